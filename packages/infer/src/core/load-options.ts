/** Options for loading an exported DyNet model, shared by the Node and the browser loaders. */

/**
 * Where the graph runs. Node: 'cpu' (default), 'cuda', 'webgpu' (onnxruntime-node) and 'wasm'
 * (onnxruntime-web under Node). Browser: 'auto' (default: WebGPU where the browser offers an
 * adapter, wasm otherwise), 'webgpu' and 'wasm'.
 */
export type Device = 'auto' | 'cpu' | 'cuda' | 'webgpu' | 'wasm';

export const DEVICES: readonly Device[] = ['auto', 'cpu', 'cuda', 'webgpu', 'wasm'];

export type ModelVariant = 'S' | 'L';

/** A graph file of an exported folder: S, L, or 'any' (dynet-any.onnx, which takes the depth as an input). */
export type GraphKind = ModelVariant | 'any';

/** The reuse counts dynet-any.onnx takes per level (its metadata `dynet.depth_range`). */
export const DEPTH_RANGE = { min: 1, max: 8 } as const;

export interface LoadOptions {
  /**
   * The folder `dynet export` wrote (dynet-s.onnx, dynet-l.onnx, dynet.weights.bin).
   * Node: a path (default DEFAULT_MODEL_DIR). Browser: a URL, absolute or relative to the page
   * (required).
   */
  model?: string;
  /** Which graph of the folder: 'S' (default) or 'L'. Both. */
  variant?: ModelVariant;
  /**
   * Run dynet-any.onnx at this depth instead: each level's reuse count f, four integers from 1
   * to 8 (2,3,3,4 computes DyNet-S, 4,6,6,8 DyNet-L). Overrides `variant`. Both.
   */
  depth?: readonly number[];
  /** Where the graph runs; see Device. Both. */
  device?: Device;
  /**
   * Threads for the graph. Node 'cpu': onnxruntime's intra-op threads (default: its own choice).
   * 'wasm' (Node and browser): onnxruntime-web's env.wasm.numThreads, a process-wide setting that
   * only the first session created applies; the browser needs a cross-origin-isolated page for
   * more than one.
   */
  threads?: number;
  /**
   * Check the weights file's sha256 against the graph's `dynet.weights_sha256` before running
   * (default true). Both.
   */
  verifyWeights?: boolean;
}

/** The graph file of a variant in an exported folder. */
export function graphFileName(variant: GraphKind): string {
  return `dynet-${variant.toLowerCase()}.onnx`;
}

export function checkVariant(v: string): ModelVariant {
  const up = v.toUpperCase();
  if (up !== 'S' && up !== 'L') throw new RangeError(`variant must be S or L, got '${v}'`);
  return up;
}

/** Four whole reuse counts within DEPTH_RANGE, or a RangeError saying what is wrong. */
export function checkDepth(depth: readonly number[]): number[] {
  const { min, max } = DEPTH_RANGE;
  if (depth.length !== 4 || !depth.every((d) => Number.isInteger(d) && d >= min && d <= max)) {
    throw new RangeError(`depth must be four whole reuse counts from ${min} to ${max}, one per level (2,3,3,4 is DyNet-S, 4,6,6,8 DyNet-L), got ${depth.join(',')}`);
  }
  return [...depth];
}
