/**
 * Reduction gradients (autodiff/rules/reduce.ts): ReduceSum, ReduceMean and ReduceL2 with
 * keepdims 0 and 1 over one, several and leading axes, and ReduceL2's convention at a zero
 * norm (gradient 0, finite).
 */
import { Graph } from '../../src/ir/graph';
import { reduceL2, reduceMean, reduceSum } from '../../src/ops/reduce';
import { checkGradients, expectGradClose, randomArray, runGradients } from './grad-check';

const OPS = { ReduceSum: reduceSum, ReduceMean: reduceMean, ReduceL2: reduceL2 };

const AXES: number[][] = [[-1], [1], [0, 2], [0, 1, 2]];

describe('reduction gradients match finite differences', () => {
  for (const [op, f] of Object.entries(OPS)) {
    for (const axes of AXES) {
      for (const keepdims of [0, 1]) {
        test(`${op} x=[2,3,4] axes=[${axes}] keepdims=${keepdims}`, async () => {
          // a mean over all 24 elements has gradients near 1/24: tighten atol to match
          const small = op === 'ReduceMean' ? { atol: 2e-4, minMagnitude: 0.01 } : {};
          await checkGradients((g: Graph) => {
            const x = g.input('x', 'float32', [2, 3, 4]);
            return { wrt: [x], y: f(x, axes, keepdims === 1) };
          }, small);
        });
      }
    }
  }
});

describe('ReduceL2 at a zero norm', () => {
  for (const keepdims of [0, 1]) {
    test(`ReduceL2 x=[3,4] axes=[1] keepdims=${keepdims} with an all-zero row: gradient finite, 0 on that row`, async () => {
      const x = randomArray(12, 21);
      x.fill(0, 4, 8);
      const build = (g: Graph) => {
        const xv = g.input('x', 'float32', [3, 4]);
        return { wrt: [xv], y: reduceL2(xv, [1], keepdims === 1) };
      };
      const run = await runGradients(build, { values: { x } });
      await run.session.release();
      const dx = run.grads[0]!;
      expect(dx.every(Number.isFinite)).toBe(true);
      expect(Array.from(dx.subarray(4, 8))).toEqual([0, 0, 0, 0]);
      // other rows: R_row * x / ||x||
      const expected = new Float64Array(12);
      for (const row of [0, 2]) {
        const norm = Math.hypot(...x.subarray(row * 4, row * 4 + 4));
        for (let j = 0; j < 4; j++) expected[row * 4 + j] = (run.R[row] * x[row * 4 + j]) / norm;
      }
      expectGradClose('dx', dx, expected, [3, 4], { atol: 1e-6, rtol: 1e-5 });
      // the central difference at the zero row is 0 too (|h| - |-h|), so the whole check agrees
      await checkGradients(build, { values: { x } });
    });
  }
});
