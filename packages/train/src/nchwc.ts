/**
 * Whether this onnxruntime-node's CPU provider has its blocked-layout (NCHWc) kernels, and
 * their block size here: 8 with AVX2, 16 with AVX-512 (MlasNchwcGetBlockSize). Training
 * graphs for the CPU use them where they are much faster (ops/nchwc.ts in @dynet/graph); a
 * graph built for one block size must not run with another, so artifacts record it.
 */
import { Graph, VERSION, ops, serializeGraph } from '@dynet/graph';
import * as ort from 'onnxruntime-node';

let probed: Promise<number> | undefined;

/** The CPU provider's NCHWc block size, or 0 where it has none (the answer is cached). */
export function nchwcBlockSize(): Promise<number> {
  probed ??= probe();
  return probed;
}

async function probe(): Promise<number> {
  // ReorderInput pads 4 channels to one block; Shape reports how many that is.
  const g = new Graph();
  const x = g.input('x', 'float32', [1, 4, 1, 1]);
  const reordered = ops.reorderInput(x, 4);
  g.output(g.addNode('Shape', [reordered], {}, [{ dtype: 'int64', shape: [4] }])[0], 'shape');
  let session: ort.InferenceSession | undefined;
  try {
    session = await ort.InferenceSession.create(serializeGraph(g, { metadata: {}, producerVersion: VERSION }), { logSeverityLevel: 4 });
    const out = await session.run({ x: new ort.Tensor('float32', new Float32Array(4), [1, 4, 1, 1]) });
    const block = Number((out.shape.data as BigInt64Array)[1]);
    return Number.isInteger(block) && block >= 4 && block % 4 === 0 ? block : 0;
  } catch {
    return 0; // no NCHWc kernels in this build or on this CPU
  } finally {
    await session?.release();
  }
}
