/**
 * The small handler a runtime implements to plug in behind a Restorer: run the graph on one
 * float32 [N,3,H,W] tensor (H and W multiples of 8) and give back `output`.
 */
export interface ModelRunner {
  /** what runs the graph, e.g. 'onnxruntime-node cpu' or 'onnxruntime-web wasm' */
  readonly backend: string;
  run(data: Float32Array, shape: readonly [number, number, number, number]): Promise<Float32Array>;
  release(): Promise<void>;
}
