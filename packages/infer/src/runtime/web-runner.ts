/**
 * Sessions on onnxruntime-web (wasm, webgpu) from the graph's bytes and its external weights. The
 * module is passed in, so this file has no runtime import of it: the browser entry hands over its
 * bundled copy, Node's loader the one it requires for 'wasm' under Node.
 */
import type * as OrtWeb from 'onnxruntime-web';
import { ModelRunner } from '../core/model-runner';
import { firstLine, OrtRunner } from './ort-runner';

export type OrtWebModule = typeof OrtWeb;

export interface WebModelSource {
  /** the graph file's name, for messages */
  name: string;
  bytes: Uint8Array;
  /** external data the graph references, by the file name recorded in the graph */
  weights?: { path: string; data: Uint8Array | string };
}

export async function createWebRunner(
  ort: OrtWebModule,
  source: WebModelSource,
  device: 'wasm' | 'webgpu',
  threads?: number,
  depth?: readonly number[],
): Promise<ModelRunner> {
  if (threads !== undefined) ort.env.wasm.numThreads = threads;
  let session: OrtWeb.InferenceSession;
  try {
    session = await ort.InferenceSession.create(source.bytes, {
      executionProviders: [device],
      graphOptimizationLevel: 'all',
      externalData: source.weights ? [source.weights] : undefined,
    });
  } catch (err) {
    throw new Error(`${source.name}: onnxruntime-web (${device}) could not load the model: ${firstLine(err)}`);
  }
  try {
    OrtRunner.checkSignature(session, source.name, depth !== undefined);
  } catch (err) {
    await session.release();
    throw err;
  }
  return new OrtRunner(`onnxruntime-web ${device}`, session, ort.Tensor as unknown as ConstructorParameters<typeof OrtRunner>[2], depth);
}
