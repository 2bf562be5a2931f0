/**
 * Elementwise gradient rules (autodiff/rules/elementwise.ts) against float32 central finite
 * differences, with broadcasting on either side, and the kink conventions (PyTorch's) checked
 * with exact values.
 */
import { Graph, Value } from '../../src/ir/graph';
import { abs, add, clip, div, erf, exp, identity, max, mul, neg, sqrt, sub } from '../../src/ops/elementwise';
import { awayFrom, checkGradients, expectGradClose, randomArray, runGradients } from './grad-check';

type Binary = (a: Value, b: Value) => Value;
const BINARY: [string, Binary][] = [
  ['Add', add],
  ['Sub', sub],
  ['Mul', mul],
  ['Div', div],
];

/** operand shapes: [a, b] */
const BROADCASTS: [number[], number[]][] = [
  [[2, 3, 4], [2, 3, 4]],
  [[2, 3, 4], [3, 1]],
  [[3, 1], [2, 3, 4]],
  [[2, 3, 4], [1]],
  [[2, 3, 4], []],
  [[2, 1, 4], [3, 1]],
];

const numel = (s: number[]) => s.reduce((x, y) => x * y, 1);

describe('elementwise gradients match finite differences', () => {
  for (const [op, f] of BINARY) {
    for (const [sa, sb] of BROADCASTS) {
      test(`${op} a=[${sa}] b=[${sb}]`, async () => {
        // b stays away from 0 (divisors by at least 0.5)
        const values = { b: op === 'Div' ? awayFrom(numel(sb), 7, [0], 0.5, -1.5, 1.5) : awayFrom(numel(sb), 7, [0], 0.3) };
        await checkGradients(
          (g: Graph) => {
            const a = g.input('a', 'float32', sa);
            const b = g.input('b', 'float32', sb);
            return { wrt: [a, b], y: f(a, b) };
          },
          { values, seed: 3 },
        );
      });
    }
  }

  test('Max a=[2,3,4] b=[3,1] (|a-b| >= 0.1)', async () => {
    const b = randomArray(3, 11);
    const a = randomArray(24, 12);
    // keep |a - b| >= 0.1 for the b each a meets (b broadcast along the last axis)
    a.forEach((v, i) => {
      const bv = b[Math.floor(i / 4) % 3];
      if (Math.abs(v - bv) < 0.1) a[i] = Math.fround(bv + (v >= bv ? 0.1 : -0.1));
    });
    await checkGradients(
      (g) => {
        const av = g.input('a', 'float32', [2, 3, 4]);
        const bv = g.input('b', 'float32', [3, 1]);
        return { wrt: [av, bv], y: max(av, bv) };
      },
      { values: { a, b } },
    );
  });

  const UNARY: [string, (x: Value) => Value, Float32Array | null][] = [
    ['Erf', erf, null],
    ['Exp', exp, null],
    ['Sqrt', sqrt, randomArray(24, 5, 0.25, 2)],
    ['Neg', neg, null],
    ['Abs', abs, awayFrom(24, 6, [0], 0.1)],
    ['Identity', identity, null],
    ['Clip min=-0.5 max=0.5', (x) => clip(x, { min: -0.5, max: 0.5 }), awayFrom(24, 8, [-0.5, 0.5], 0.05)],
    ['Clip min=0', (x) => clip(x, { min: 0 }), awayFrom(24, 9, [0], 0.05)],
    ['Clip max=0', (x) => clip(x, { max: 0 }), awayFrom(24, 10, [0], 0.05)],
  ];
  for (const [op, f, x] of UNARY) {
    test(`${op} x=[2,3,4]`, async () => {
      await checkGradients(
        (g) => {
          const xv = g.input('x', 'float32', [2, 3, 4]);
          return { wrt: [xv], y: f(xv) };
        },
        { values: x ? { x } : {} },
      );
    });
  }

  test('Mul x*x (one value feeding both operands) x=[2,3]', async () => {
    await checkGradients((g) => {
      const x = g.input('x', 'float32', [2, 3]);
      return { wrt: [x], y: mul(x, x) };
    });
  });
});

describe('kink conventions (PyTorch): exact values', () => {
  test('Clip min=0 max=1 passes the gradient at both bounds inclusively', async () => {
    const x = new Float32Array([-0.5, 0, 0.25, 1, 1.5, -0, 0.999, 1.001]);
    const run = await runGradients(
      (g) => {
        const xv = g.input('x', 'float32', [8]);
        return { wrt: [xv], y: clip(xv, { min: 0, max: 1 }) };
      },
      { values: { x } },
    );
    await run.session.release();
    const pass = [0, 1, 1, 1, 0, 1, 1, 0];
    expectGradClose('d clip', run.grads[0]!, pass.map((p, i) => p * run.R[i]), [8], { atol: 0, rtol: 0 });
  });

  test("Abs x=[5]: abs'(0) = 0, sign elsewhere", async () => {
    const x = new Float32Array([-2, -0, 0, 1e-30, 3]);
    const run = await runGradients(
      (g) => {
        const xv = g.input('x', 'float32', [5]);
        return { wrt: [xv], y: abs(xv) };
      },
      { values: { x } },
    );
    await run.session.release();
    const sign = [-1, 0, 0, 1, 1];
    expectGradClose('d abs', run.grads[0]!, sign.map((s, i) => s * run.R[i]), [5], { atol: 0, rtol: 0 });
  });

  test('Max a=[4] b=[4]: the gradient goes to a where a >= b (ties included), to b elsewhere', async () => {
    const a = new Float32Array([1, 2, 3, -1]);
    const b = new Float32Array([1, 3, 2, -1]);
    const run = await runGradients(
      (g) => {
        const av = g.input('a', 'float32', [4]);
        const bv = g.input('b', 'float32', [4]);
        return { wrt: [av, bv], y: max(av, bv) };
      },
      { values: { a, b } },
    );
    await run.session.release();
    const toA = [1, 0, 1, 1];
    expectGradClose('d a', run.grads[0]!, toA.map((t, i) => t * run.R[i]), [4], { atol: 0, rtol: 0 });
    expectGradClose('d b', run.grads[1]!, toA.map((t, i) => (1 - t) * run.R[i]), [4], { atol: 0, rtol: 0 });
  });

  test('Max a=[2,3] b=[1] (broadcast, ties): b collects the sum over the elements where a < b', async () => {
    const a = new Float32Array([0.5, 0, -1, 2, 0, 0.25]);
    const b = new Float32Array([0]);
    const run = await runGradients(
      (g) => {
        const av = g.input('a', 'float32', [2, 3]);
        const bv = g.input('b', 'float32', [1]);
        return { wrt: [av, bv], y: max(av, bv) };
      },
      { values: { a, b } },
    );
    await run.session.release();
    const toA = Array.from(a, (v): number => (v >= 0 ? 1 : 0));
    expectGradClose('d a', run.grads[0]!, toA.map((t, i) => t * run.R[i]), [2, 3], { atol: 0, rtol: 0 });
    const toB = toA.reduce((s, t, i) => s + (1 - t) * run.R[i], 0);
    expectGradClose('d b', run.grads[1]!, [toB], [1], { atol: 1e-6, rtol: 0 });
  });
});
