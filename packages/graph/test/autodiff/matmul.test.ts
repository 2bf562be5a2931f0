/**
 * MatMul and Gemm gradients (autodiff/rules/matmul.ts): finite differences, plus an exact
 * check against hand-computed float64 matrix products with numpy batch broadcasting.
 */
import { Graph } from '../../src/ir/graph';
import { linear, matmul } from '../../src/ops/matmul';
import { checkGradients, expectGradClose, indexOf } from './grad-check';

const numel = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/** flat offset of a broadcast batch index (right-aligned) into a batch shape */
function batchOffset(batch: number[], idx: number[]): number {
  const lead = idx.length - batch.length;
  return batch.reduce((off, d, i) => off * d + (d === 1 ? 0 : idx[i + lead]), 0);
}

/**
 * dA = sum over the batch positions each A matrix meets of dY @ B^T, dB likewise A^T @ dY,
 * for Y = A @ B with dY = R, by plain loops in float64.
 */
function matmulGradRef(a: Float32Array, sa: number[], b: Float32Array, sb: number[], r: Float32Array) {
  const [m, k] = sa.slice(-2);
  const n = sb[sb.length - 1];
  const ba = sa.slice(0, -2);
  const bb = sb.slice(0, -2);
  const rank = Math.max(ba.length, bb.length);
  const pad = (s: number[]) => [...new Array<number>(rank - s.length).fill(1), ...s];
  const batch = pad(ba).map((d, i) => Math.max(d, pad(bb)[i]));
  const da = new Float64Array(a.length);
  const db = new Float64Array(b.length);
  for (let t = 0; t < numel(batch); t++) {
    const idx = indexOf(batch, t);
    const oa = batchOffset(ba, idx) * m * k;
    const ob = batchOffset(bb, idx) * k * n;
    const or = t * m * n;
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        const dy = r[or + i * n + j];
        for (let p = 0; p < k; p++) {
          da[oa + i * k + p] += dy * b[ob + p * n + j];
          db[ob + p * n + j] += a[oa + i * k + p] * dy;
        }
      }
  }
  return { da, db };
}

const CASES: [number[], number[]][] = [
  [[3, 4], [4, 5]],
  [[2, 3, 4, 5], [5, 6]],
  [[2, 1, 4, 5], [3, 5, 6]],
  [[4, 5], [2, 5, 3]],
  [[2, 3, 4], [2, 4, 3]],
];

describe('MatMul gradients', () => {
  for (const [sa, sb] of CASES) {
    test(`MatMul a=[${sa}] b=[${sb}]: finite differences and exact dA = dY B^T, dB = A^T dY summed over broadcast batches`, async () => {
      const run = await checkGradients((g: Graph) => {
        const a = g.input('a', 'float32', sa);
        const b = g.input('b', 'float32', sb);
        return { wrt: [a, b], y: matmul(a, b) };
      });
      const ref = matmulGradRef(run.feeds.a, sa, run.feeds.b, sb, run.R);
      expectGradClose('dA', run.grads[0]!, ref.da, sa, { atol: 1e-5, rtol: 1e-5 });
      expectGradClose('dB', run.grads[1]!, ref.db, sb, { atol: 1e-5, rtol: 1e-5 });
    });
  }
});

describe('Gemm gradients', () => {
  test('Gemm (linear) x=[3,5] w=[4,5] bias=[4] transB=1: finite differences and exact', async () => {
    const run = await checkGradients((g) => {
      const x = g.input('x', 'float32', [3, 5]);
      const w = g.param('fc.weight', [4, 5]);
      const bias = g.param('fc.bias', [4]);
      return { wrt: [x, w, bias], y: linear(x, w, bias) };
    });
    const { x, R } = run.feeds;
    const w = run.feeds['fc.weight'];
    const dx = new Float64Array(15);
    const dw = new Float64Array(20);
    const db = new Float64Array(4);
    for (let n = 0; n < 3; n++)
      for (let o = 0; o < 4; o++) {
        const dy = R[n * 4 + o];
        db[o] += dy;
        for (let i = 0; i < 5; i++) {
          dx[n * 5 + i] += dy * w[o * 5 + i];
          dw[o * 5 + i] += dy * x[n * 5 + i];
        }
      }
    expectGradClose('dx', run.grads[0]!, dx, [3, 5], { atol: 1e-5, rtol: 1e-5 });
    expectGradClose('dW', run.grads[1]!, dw, [4, 5], { atol: 1e-5, rtol: 1e-5 });
    expectGradClose('dbias', run.grads[2]!, db, [4], { atol: 1e-5, rtol: 1e-5 });
  });
});
