/**
 * Training graphs for ONNX Runtime's CPU (issue 13): depthwise convolutions and their gradients
 * on the runtime's blocked-layout (NCHWc) kernels equal the standard ops' to float32 rounding,
 * for channel counts that fill whole blocks (the fast path that reuses the forward's reordered
 * input) and for those that do not, at batch 1 and 2.
 */
import * as ort from 'onnxruntime-node';
import { Graph, VERSION, gradients, ops, serializeGraph } from '@dynet/graph';
import { nchwcBlockSize } from '@dynet/train';

/** A seeded value in [-1, 1). */
function values(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  });
}

/** loss = sum(depthwise3x3(x, w) * r); returns the loss, the output and the gradients of x and w. */
async function run(block: number, n: number, c: number, size: number) {
  const g = new Graph();
  g.nchwcBlock = block;
  const x = g.input('x', 'float32', [n, c, size, size]);
  const w = g.input('w', 'float32', [c, 1, 3, 3]);
  const r = g.input('r', 'float32', [n, c, size, size]);
  const y = block ? ops.depthwiseConvNchwc(x, w, [1, 1, 1, 1]) : ops.conv(x, w, { kernel_shape: [3, 3], pads: [1, 1, 1, 1], group: c });
  const loss = ops.reduceSum(ops.mul(y, r), [0, 1, 2, 3], false);
  const grads = gradients(g, loss, [x, w]);
  g.output(y, 'y');
  g.output(grads.get(x)!, 'dx');
  g.output(grads.get(w)!, 'dw');
  const session = await ort.InferenceSession.create(serializeGraph(g, { metadata: {}, producerVersion: VERSION }), { intraOpNumThreads: 2 });
  const shape = [n, c, size, size];
  const count = n * c * size * size;
  const out = await session.run({
    x: new ort.Tensor('float32', values(count, 1), shape),
    w: new ort.Tensor('float32', values(c * 9, 2), [c, 1, 3, 3]),
    r: new ort.Tensor('float32', values(count, 3), shape),
  });
  await session.release();
  const ops_ = new Set(g.nodes.map((node) => node.opType));
  return { y: out.y.data as Float32Array, dx: out.dx.data as Float32Array, dw: out.dw.data as Float32Array, ops: ops_ };
}

/** max |a - b| relative to max |b| */
function relativeError(a: Float32Array, b: Float32Array): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / scale;
}

let block = 0;
beforeAll(async () => {
  block = await nchwcBlockSize();
});

test('onnxruntime-node has NCHWc kernels on this CPU, with a block of 8 or 16 floats', () => {
  // x86-64 builds have them from SSE4.1 on (MlasNchwcGetBlockSize); every CI machine is x86-64
  if (process.arch === 'x64') expect([8, 16]).toContain(block);
});

describe.each([
  [2, 32, 'whole blocks'],
  [1, 48, 'whole blocks'],
  [2, 20, 'a partial block'],
  [1, 6, 'a partial block, fewer than 8 channels'],
])('depthwise 3x3, batch %d, %d channels (%s)', (n, c) => {
  test('output and gradients equal the standard Conv\'s within 1e-5 relative', async () => {
    if (!block) return; // no NCHWc kernels on this CPU: checked above where they must exist
    const [blocked, standard] = [await run(block, n, c, 12), await run(0, n, c, 12)];
    expect(blocked.ops.has('com.microsoft.nchwc.Conv')).toBe(true);
    expect(standard.ops.has('com.microsoft.nchwc.Conv')).toBe(false);
    for (const k of ['y', 'dx', 'dw'] as const) expect([k, relativeError(blocked[k], standard[k]) <= 1e-5]).toEqual([k, true]);
  });
});
