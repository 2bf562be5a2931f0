/**
 * Ops composed from primitives, which need no rule of their own: GELU, the gated GELU and l2Normalize
 * (ops/composite.ts) and the training losses (training/loss.ts), against finite differences
 * and the closed-form PyTorch derivatives.
 */
import { Graph } from '../../src/ir/graph';
import { gatedGelu, gelu, l2Normalize } from '../../src/ops/composite';
import { restorationLoss } from '../../src/training/loss';
import { awayFrom, checkGradients, expectGradClose, randomArray, runGradients } from './grad-check';

const erf = (x: number) => {
  // Abramowitz-Stegun 7.1.26 is too coarse for 1e-6; integrate the series instead
  let sum = 0;
  let term = x;
  for (let n = 0; n < 80; n++) {
    sum += term / (2 * n + 1);
    term *= (-x * x) / (n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
};

describe('GELU (exact, erf form)', () => {
  test('gelu x=[2,3,4] in [-3,3]: finite differences and PyTorch GELU\'(x) = Phi(x) + x phi(x)', async () => {
    const x = randomArray(24, 31, -3, 3);
    const run = await checkGradients(
      (g: Graph) => {
        const xv = g.input('x', 'float32', [2, 3, 4]);
        return { wrt: [xv], y: gelu(xv) };
      },
      { values: { x } },
    );
    const expected = Array.from(x, (v, i) => {
      const cdf = 0.5 * (1 + erf(v / Math.SQRT2));
      const pdf = Math.exp(-0.5 * v * v) / Math.sqrt(2 * Math.PI);
      return run.R[i] * (cdf + v * pdf);
    });
    expectGradClose('d gelu', run.grads[0]!, expected, [2, 3, 4], { atol: 1e-5, rtol: 1e-5 });
  });
});

describe('gated GELU gelu(x1) * x2 (GDFN\'s gate)', () => {
  test('x1, x2=[2,3,4] in [-3,3]: finite differences and the closed form; the backward reads only x1 and x2', async () => {
    const x1 = randomArray(24, 41, -3, 3);
    const x2 = randomArray(24, 43, -3, 3);
    let graph: Graph | undefined;
    const run = await checkGradients(
      (g: Graph) => {
        graph = g;
        const a = g.input('x1', 'float32', [2, 3, 4]);
        const b = g.input('x2', 'float32', [2, 3, 4]);
        return { wrt: [a, b], y: gatedGelu(a, b) };
      },
      { values: { x1, x2 } },
    );
    const cdf = (v: number) => 0.5 * (1 + erf(v / Math.SQRT2));
    const pdf = (v: number) => Math.exp(-0.5 * v * v) / Math.sqrt(2 * Math.PI);
    expectGradClose('d x1', run.grads[0]!, Array.from(x1, (v, i) => run.R[i] * x2[i] * (cdf(v) + v * pdf(v))), [2, 3, 4], { atol: 1e-5, rtol: 1e-5 });
    expectGradClose('d x2', run.grads[1]!, Array.from(x1, (v, i) => run.R[i] * v * cdf(v)), [2, 3, 4], { atol: 1e-5, rtol: 1e-5 });
    // no backward node reads a forward intermediate of the gate (the gelu output is recomputed)
    const forward = graph!.composites.find((c) => c.kind === 'GatedGelu')!;
    const interior = new Set(forward.nodes.flatMap((n) => n.outputs).filter((v) => v !== forward.output));
    const readers = graph!.nodes.filter((n) => n.name.startsWith('grad/') && n.inputs.some((v) => v && interior.has(v)));
    expect(readers.map((n) => n.name)).toEqual([]);
  });
});

describe('l2Normalize (F.normalize: x / max(||x||, eps))', () => {
  for (const [shape, axis] of [
    [[2, 3, 4], -1],
    [[2, 3, 4], 1],
    [[1, 2, 3, 5], -1],
  ] as [number[], number][]) {
    test(`l2Normalize x=[${shape}] axis=${axis}`, async () => {
      await checkGradients((g) => {
        const x = g.input('x', 'float32', shape);
        return { wrt: [x], y: l2Normalize(x, axis) };
      });
    });
  }

  test('l2Normalize x=[3,4] axis=-1 with an all-zero row: finite, and PyTorch\'s dy / eps on that row', async () => {
    const x = randomArray(12, 33);
    x.fill(0, 4, 8);
    const run = await runGradients(
      (g) => {
        const xv = g.input('x', 'float32', [3, 4]);
        return { wrt: [xv], y: l2Normalize(xv, -1) };
      },
      { values: { x } },
    );
    await run.session.release();
    const dx = run.grads[0]!;
    expect(dx.every(Number.isFinite)).toBe(true);
    // norm 0 < eps: the clamp passes nothing to the norm, so only x / eps differentiates
    const eps = Math.fround(1e-12);
    expectGradClose('zero row', dx.subarray(4, 8), Array.from(run.R.subarray(4, 8), (r) => r / eps), [4], { atol: 0, rtol: 1e-6 });
    // other rows: (dy - y <y, dy>) / ||x||
    for (const row of [0, 2]) {
      const xs = Array.from(x.subarray(row * 4, row * 4 + 4));
      const rs = Array.from(run.R.subarray(row * 4, row * 4 + 4));
      const norm = Math.hypot(...xs);
      const dot = xs.reduce((s, v, j) => s + (v / norm) * rs[j], 0);
      const expected = xs.map((v, j) => (rs[j] - (v / norm) * dot) / norm);
      expectGradClose(`row ${row}`, dx.subarray(row * 4, row * 4 + 4), expected, [4], { atol: 1e-6, rtol: 1e-5 });
    }
  });
});

describe('training losses', () => {
  const shape = [1, 2, 3, 4];
  const n = 24;

  test('l1 output=[1,2,3,4] target=[1,2,3,4]: mean |output - target|, d output = sign / n, d target = -sign / n', async () => {
    const target = randomArray(n, 41);
    const diff = awayFrom(n, 42, [0], 0.05);
    const output = target.map((t, i) => t + diff[i]);
    // R = n scales the loss so each gradient is +-1
    const run = await checkGradients(
      (g) => {
        const o = g.input('output', 'float32', shape);
        const t = g.input('target', 'float32', shape);
        return { wrt: [o, t], y: restorationLoss('l1', o, t) };
      },
      { values: { output, target, R: new Float32Array([n]) } },
    );
    const sign = Array.from(output, (o, i) => Math.sign(o - target[i]));
    expectGradClose('d output', run.grads[0]!, sign, shape, { atol: 1e-6, rtol: 1e-6 });
    expectGradClose('d target', run.grads[1]!, sign.map((s) => -s), shape, { atol: 1e-6, rtol: 1e-6 });
  });

  test('l1-clamped output=[1,2,3,4] target=[1,2,3,4]: clamp(output, 0, 1), gradient 0 where clamped', async () => {
    const output = awayFrom(n, 43, [0, 1], 0.05, -0.5, 1.5);
    const target = randomArray(n, 44, 0, 1).map((t, i) => {
      const c = Math.min(Math.max(output[i], 0), 1);
      return Math.abs(c - t) < 0.05 ? c + (t >= c ? 0.05 : -0.05) : t;
    });
    const run = await checkGradients(
      (g) => {
        const o = g.input('output', 'float32', shape);
        const t = g.input('target', 'float32', shape);
        return { wrt: [o, t], y: restorationLoss('l1-clamped', o, t) };
      },
      { values: { output, target, R: new Float32Array([n]) } },
    );
    const sign = Array.from(output, (o, i) => Math.sign(Math.min(Math.max(o, 0), 1) - target[i]));
    const inside = Array.from(output, (o) => (o >= 0 && o <= 1 ? 1 : 0));
    expect(inside.some((v) => v === 0) && inside.some((v) => v === 1)).toBe(true);
    expectGradClose('d output', run.grads[0]!, sign.map((s, i) => s * inside[i]), shape, { atol: 1e-6, rtol: 1e-6 });
    expectGradClose('d target', run.grads[1]!, sign.map((s) => -s), shape, { atol: 1e-6, rtol: 1e-6 });
  });
});
