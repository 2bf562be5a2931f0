/**
 * A ModelRunner over an onnxruntime InferenceSession. onnxruntime-node and onnxruntime-web share
 * onnxruntime-common's API, so one class serves both; the caller passes its runtime's Tensor.
 */
import type { InferenceSession, Tensor } from 'onnxruntime-web';
import { ModelRunner } from '../core/model-runner';

export type TensorConstructor = new (type: 'float32' | 'int64', data: Float32Array | BigInt64Array, dims: readonly number[]) => Tensor;

export class OrtRunner implements ModelRunner {
  /** `depth`: the reuse counts fed with every run of dynet-any.onnx (checked by checkDepth) */
  constructor(
    readonly backend: string,
    private readonly session: InferenceSession,
    private readonly TensorCtor: TensorConstructor,
    private readonly depth?: readonly number[],
  ) {}

  /** Checks that the session has our graph's input and output names, and a `depth` input exactly when one is given. */
  static checkSignature(session: InferenceSession, modelName: string, withDepth = false): void {
    if (!session.inputNames.includes('input') || !session.outputNames.includes('output')) {
      throw new Error(
        `${modelName}: not a DyNet inference graph (inputs [${session.inputNames}], outputs [${session.outputNames}]; expected 'input' and 'output')`,
      );
    }
    const takesDepth = session.inputNames.includes('depth');
    if (takesDepth && !withDepth) throw new Error(`${modelName}: this graph (dynet-any.onnx) takes the depth as an input: give one (--depth 2,3,3,4)`);
    if (!takesDepth && withDepth) throw new Error(`${modelName}: this graph has a fixed depth; a depth is for dynet-any.onnx (\`dynet export --variant any\`)`);
  }

  async run(data: Float32Array, shape: readonly [number, number, number, number]): Promise<Float32Array> {
    const input = new this.TensorCtor('float32', data, shape);
    const feeds: Record<string, Tensor> = { input };
    if (this.depth) feeds.depth = new this.TensorCtor('int64', BigInt64Array.from(this.depth.map(BigInt)), [4]);
    const results = await this.session.run(feeds);
    const out = results.output;
    // On WebGPU an output may stay on the device unless the session says otherwise: fetch it.
    const values = (out.location === 'cpu' || out.location === undefined ? out.data : await out.getData(true)) as Float32Array;
    for (const [name, t] of Object.entries(results)) if (name !== 'output') t.dispose();
    return values;
  }

  release(): Promise<void> {
    return this.session.release();
  }
}

/** The first line of an error's message (runtimes put stack-like detail below it). */
export function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0];
}
