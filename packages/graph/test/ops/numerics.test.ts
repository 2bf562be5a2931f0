/**
 * Runs small graphs built with the op helpers in onnxruntime-node and compares them with
 * plain-JS references of the PyTorch semantics (float64, from the same float32 inputs).
 */
import { SymDim, divDim, mulDim } from '../../src/ir/dim';
import { Graph } from '../../src/ir/graph';
import { channelLayerNorm } from '../../src/models/dynet/layers';
import { ParamScope } from '../../src/models/dynet/param-scope';
import { gelu, l2Normalize } from '../../src/ops/composite';
import { add } from '../../src/ops/elementwise';
import { resizeBilinear } from '../../src/ops/resize';
import { depthToSpace, pixelUnshuffle } from '../../src/ops/shape';
import { HostTensor } from '../../src/weights/types';
import { compileGraph, expectClose, randomArray } from './onnx-runner';

type Shape4 = [number, number, number, number];

const idx4 = ([, c, h, w]: Shape4, n: number, ci: number, y: number, x: number) => ((n * c + ci) * h + y) * w + x;

/** PyTorch nn.PixelUnshuffle(r): out[n, c*r*r + i*r + j, y, x] = in[n, c, y*r + i, x*r + j] */
function pixelUnshuffleRef(x: Float32Array, s: Shape4, r: number): { data: Float32Array; dims: Shape4 } {
  const [n, c, h, w] = s;
  const dims: Shape4 = [n, c * r * r, h / r, w / r];
  const out = new Float32Array(x.length);
  for (let b = 0; b < n; b++)
    for (let ci = 0; ci < c; ci++)
      for (let i = 0; i < r; i++)
        for (let j = 0; j < r; j++)
          for (let y = 0; y < h / r; y++)
            for (let xx = 0; xx < w / r; xx++) {
              out[idx4(dims, b, ci * r * r + i * r + j, y, xx)] = x[idx4(s, b, ci, y * r + i, xx * r + j)];
            }
  return { data: out, dims };
}

/** PyTorch nn.PixelShuffle(r): out[n, c, y*r + i, x*r + j] = in[n, c*r*r + i*r + j, y, x] */
function pixelShuffleRef(x: Float32Array, s: Shape4, r: number): { data: Float32Array; dims: Shape4 } {
  const [n, c, h, w] = s;
  const co = c / (r * r);
  const dims: Shape4 = [n, co, h * r, w * r];
  const out = new Float32Array(x.length);
  for (let b = 0; b < n; b++)
    for (let ci = 0; ci < co; ci++)
      for (let i = 0; i < r; i++)
        for (let j = 0; j < r; j++)
          for (let y = 0; y < h; y++)
            for (let xx = 0; xx < w; xx++) {
              out[idx4(dims, b, ci, y * r + i, xx * r + j)] = x[idx4(s, b, ci * r * r + i * r + j, y, xx)];
            }
  return { data: out, dims };
}

/**
 * PyTorch F.interpolate(mode='bilinear', align_corners=False, antialias=False) with an output
 * size: scale = in/out, src = max(0, scale * (dst + 0.5) - 0.5), neighbours clamped at the edge.
 */
function bilinearRef(x: Float32Array, s: Shape4, oh: number, ow: number): Float64Array {
  const [n, c, h, w] = s;
  const out = new Float64Array(n * c * oh * ow);
  const source = (dst: number, inSize: number, outSize: number) => {
    const src = Math.max(0, (inSize / outSize) * (dst + 0.5) - 0.5);
    const i0 = Math.floor(src);
    const i1 = i0 + (i0 < inSize - 1 ? 1 : 0);
    const l1 = src - i0;
    return { i0, i1, l0: 1 - l1, l1 };
  };
  for (let b = 0; b < n; b++)
    for (let ci = 0; ci < c; ci++)
      for (let y = 0; y < oh; y++) {
        const sy = source(y, h, oh);
        for (let xx = 0; xx < ow; xx++) {
          const sx = source(xx, w, ow);
          const at = (yy: number, xi: number) => x[idx4(s, b, ci, yy, xi)];
          out[((b * c + ci) * oh + y) * ow + xx] =
            sy.l0 * (sx.l0 * at(sy.i0, sx.i0) + sx.l1 * at(sy.i0, sx.i1)) + sy.l1 * (sx.l0 * at(sy.i1, sx.i0) + sx.l1 * at(sy.i1, sx.i1));
        }
      }
  return out;
}

/** erf by its Maclaurin series (|x| <= 4, error < 1e-10); +-1 beyond, where 1 - |erf| < 2e-8. */
function erfRef(x: number): number {
  if (Math.abs(x) > 4) return Math.sign(x);
  let term = x;
  let sum = x;
  for (let k = 1; k < 200; k++) {
    term *= (-x * x) / k;
    const add = term / (2 * k + 1);
    sum += add;
    if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

const geluRef = (x: number) => 0.5 * x * (1 + erfRef(x / Math.SQRT2));

/** F.normalize(x, dim=-1, eps=1e-12) over rows of length `len` */
function l2NormalizeRef(x: Float32Array, len: number): Float64Array {
  const out = new Float64Array(x.length);
  for (let r = 0; r < x.length / len; r++) {
    let ss = 0;
    for (let i = 0; i < len; i++) ss += x[r * len + i] ** 2;
    const norm = Math.max(Math.sqrt(ss), 1e-12);
    for (let i = 0; i < len; i++) out[r * len + i] = x[r * len + i] / norm;
  }
  return out;
}

/** Restormer WithBias_LayerNorm over channels at each pixel: biased variance, eps 1e-5 */
function channelLayerNormRef(x: Float32Array, s: Shape4, weight: Float32Array, bias: Float32Array): Float64Array {
  const [n, c, h, w] = s;
  const out = new Float64Array(x.length);
  for (let b = 0; b < n; b++)
    for (let y = 0; y < h; y++)
      for (let xx = 0; xx < w; xx++) {
        let mean = 0;
        for (let ci = 0; ci < c; ci++) mean += x[idx4(s, b, ci, y, xx)];
        mean /= c;
        let v = 0;
        for (let ci = 0; ci < c; ci++) v += (x[idx4(s, b, ci, y, xx)] - mean) ** 2;
        v /= c;
        for (let ci = 0; ci < c; ci++) {
          out[idx4(s, b, ci, y, xx)] = ((x[idx4(s, b, ci, y, xx)] - mean) / Math.sqrt(v + 1e-5)) * weight[ci] + bias[ci];
        }
      }
  return out;
}

const numel = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1);

describe('pixelUnshuffle matches PyTorch PixelUnshuffle', () => {
  test('pixelUnshuffle x=[N,3,H,W] r=2 at [1,3,4,6] and [2,3,6,2]', async () => {
    const g = new Graph();
    g.output(pixelUnshuffle(g.input('x', 'float32', ['N', 3, 'H', 'W']), 2), 'y');
    const m = await compileGraph(g);
    try {
      for (const [k, s] of ([[1, 3, 4, 6], [2, 3, 6, 2]] as Shape4[]).entries()) {
        const x = randomArray(numel(s), 10 + k);
        const { y } = await m.run({ x: { data: x, dims: s } });
        const ref = pixelUnshuffleRef(x, s, 2);
        expect(y.dims).toEqual(ref.dims);
        expect(Array.from(y.data)).toEqual(Array.from(ref.data));
      }
    } finally {
      await m.release();
    }
  });

  test('pixelUnshuffle x=[1,2,4,4] r=2 on an index ramp: channel 1 (c=0,i=0,j=1) is in[0, 0, even rows, odd cols]', async () => {
    const g = new Graph();
    g.output(pixelUnshuffle(g.input('x', 'float32', [1, 2, 4, 4]), 2), 'y');
    const m = await compileGraph(g);
    try {
      const x = Float32Array.from({ length: 32 }, (_, i) => i);
      const { y } = await m.run({ x: { data: x, dims: [1, 2, 4, 4] } });
      expect(y.dims).toEqual([1, 8, 2, 2]);
      // written out by hand: in[0,0] rows 0,2 cols 1,3 -> 1, 3, 9, 11; in[0,1] (c=1) rows 1,3 cols 0,2 -> channel 6
      expect(Array.from(y.data.slice(4, 8))).toEqual([1, 3, 9, 11]);
      expect(Array.from(y.data.slice(24, 28))).toEqual([20, 22, 28, 30]);
    } finally {
      await m.release();
    }
  });
});

describe('depthToSpace matches PyTorch PixelShuffle', () => {
  test('depthToSpace x=[N,8,H,W] r=2 at [1,8,2,3] and [2,8,3,1]', async () => {
    const g = new Graph();
    g.output(depthToSpace(g.input('x', 'float32', ['N', 8, 'H', 'W']), 2), 'y');
    const m = await compileGraph(g);
    try {
      for (const [k, s] of ([[1, 8, 2, 3], [2, 8, 3, 1]] as Shape4[]).entries()) {
        const x = randomArray(numel(s), 20 + k);
        const { y } = await m.run({ x: { data: x, dims: s } });
        const ref = pixelShuffleRef(x, s, 2);
        expect(y.dims).toEqual(ref.dims);
        expect(Array.from(y.data)).toEqual(Array.from(ref.data));
      }
    } finally {
      await m.release();
    }
  });

  test('depthToSpace(pixelUnshuffle(x, 2), 2) is x for x=[N,4,H,W] at [1,4,6,4] and [3,4,2,8]', async () => {
    const g = new Graph();
    g.output(depthToSpace(pixelUnshuffle(g.input('x', 'float32', ['N', 4, 'H', 'W']), 2), 2), 'y');
    const m = await compileGraph(g);
    try {
      for (const [k, s] of ([[1, 4, 6, 4], [3, 4, 2, 8]] as Shape4[]).entries()) {
        const x = randomArray(numel(s), 30 + k);
        const { y } = await m.run({ x: { data: x, dims: s } });
        expect(y.dims).toEqual(s);
        expect(Array.from(y.data)).toEqual(Array.from(x));
      }
    } finally {
      await m.release();
    }
  });
});

describe('resizeBilinear matches F.interpolate(bilinear, align_corners=False)', () => {
  const staticCases: [Shape4, number, number][] = [
    [[1, 2, 4, 4], 7, 9],
    [[1, 2, 5, 3], 2, 2],
    [[2, 1, 3, 5], 8, 4],
    [[1, 1, 6, 6], 1, 3],
  ];
  for (const [s, oh, ow] of staticCases) {
    test(`Resize x=[${s}] -> ${oh}x${ow}`, async () => {
      const g = new Graph();
      g.output(resizeBilinear(g.input('x', 'float32', s), oh, ow), 'y');
      const m = await compileGraph(g);
      try {
        const x = randomArray(numel(s), oh * 100 + ow);
        const { y } = await m.run({ x: { data: x, dims: s } });
        expect(y.dims).toEqual([s[0], s[1], oh, ow]);
        expectClose(y.data, bilinearRef(x, s, oh, ow), 1e-6, 1e-6);
      } finally {
        await m.release();
      }
    });
  }

  test('Resize x=[1,1,2,2] [[0,1],[2,3]] -> 4x4 and x=[1,1,4,4] ramp 0..15 -> 2x2, values by hand', async () => {
    const up = new Graph();
    up.output(resizeBilinear(up.input('x', 'float32', [1, 1, 2, 2]), 4, 4), 'y');
    const down = new Graph();
    down.output(resizeBilinear(down.input('x', 'float32', [1, 1, 4, 4]), 2, 2), 'y');
    const mUp = await compileGraph(up);
    const mDown = await compileGraph(down);
    try {
      const a = await mUp.run({ x: { data: new Float32Array([0, 1, 2, 3]), dims: [1, 1, 2, 2] } });
      // torch.nn.functional.interpolate(..., size=(4, 4), mode='bilinear', align_corners=False)
      expectClose(a.y.data, [0, 0.25, 0.75, 1, 0.5, 0.75, 1.25, 1.5, 1.5, 1.75, 2.25, 2.5, 2, 2.25, 2.75, 3], 1e-6, 1e-7);
      const b = await mDown.run({ x: { data: Float32Array.from({ length: 16 }, (_, i) => i), dims: [1, 1, 4, 4] } });
      // sources at 0.5 and 2.5 on each axis: the means of the 2x2 blocks
      expectClose(b.y.data, [2.5, 4.5, 10.5, 12.5], 1e-6, 1e-7);
    } finally {
      await mUp.release();
      await mDown.release();
    }
  });

  test('Resize p=[1,3,4,4] to ref=[N,1,H,W] sizes (prompt style), at H,W = 6x10 and 3x2', async () => {
    const g = new Graph();
    const ref = g.input('ref', 'float32', ['N', 1, 'H', 'W']);
    const p = g.input('p', 'float32', [1, 3, 4, 4]);
    g.output(add(resizeBilinear(p, SymDim.of('H'), SymDim.of('W')), ref), 'y');
    const m = await compileGraph(g);
    try {
      const p0 = randomArray(48, 40);
      for (const [h, w] of [
        [6, 10],
        [3, 2],
      ]) {
        const r = new Float32Array(h * w);
        const { y } = await m.run({ ref: { data: r, dims: [1, 1, h, w] }, p: { data: p0, dims: [1, 3, 4, 4] } });
        expect(y.dims).toEqual([1, 3, h, w]);
        expectClose(y.data, bilinearRef(p0, [1, 3, 4, 4], h, w), 1e-6, 1e-6);
      }
    } finally {
      await m.release();
    }
  });

  test('Resize x=[N,2,H,W] -> [2*H, W/2] at [1,2,3,4] and [2,2,5,6]', async () => {
    const g = new Graph();
    const H = SymDim.of('H');
    const W = SymDim.of('W');
    g.output(resizeBilinear(g.input('x', 'float32', ['N', 2, 'H', 'W']), mulDim(H, 2), divDim(W, 2)), 'y');
    const m = await compileGraph(g);
    try {
      for (const [k, s] of ([[1, 2, 3, 4], [2, 2, 5, 6]] as Shape4[]).entries()) {
        const x = randomArray(numel(s), 50 + k);
        const { y } = await m.run({ x: { data: x, dims: s } });
        expect(y.dims).toEqual([s[0], 2, 2 * s[2], s[3] / 2]);
        expectClose(y.data, bilinearRef(x, s, 2 * s[2], s[3] / 2), 1e-6, 1e-6);
      }
    } finally {
      await m.release();
    }
  });
});

describe('gelu and l2Normalize', () => {
  test('gelu x=[N,L] (exact erf) at [1,64] and [3,50], x in [-5,5)', async () => {
    const g = new Graph();
    g.output(gelu(g.input('x', 'float32', ['N', 'L'])), 'y');
    const m = await compileGraph(g);
    try {
      for (const [k, dims] of [
        [1, 64],
        [3, 50],
      ].entries()) {
        const x = randomArray(numel(dims), 60 + k, -5, 5);
        x[0] = 0;
        const { y } = await m.run({ x: { data: x, dims } });
        expect(y.dims).toEqual(dims);
        // float32 rounding of 1 + erf(x/sqrt2) near x = -5 (where the sum is ~6e-7) costs up to ~1.5e-7 absolute
        expectClose(y.data, Array.from(x, geluRef), 1e-6, 3e-7);
      }
    } finally {
      await m.release();
    }
  });

  test('gelu at hand-checked points: gelu(1) = 0.8413447, gelu(-1) = -0.1586553, gelu(0) = 0', async () => {
    const g = new Graph();
    g.output(gelu(g.input('x', 'float32', [3])), 'y');
    const m = await compileGraph(g);
    try {
      const { y } = await m.run({ x: { data: new Float32Array([1, -1, 0]), dims: [3] } });
      // Phi(1) = 0.841344746..., so gelu(1) = Phi(1), gelu(-1) = -(1 - Phi(1))
      expectClose(y.data, [0.8413447460685429, -0.15865525393145707, 0], 1e-6, 1e-7);
    } finally {
      await m.release();
    }
  });

  test('l2Normalize x=[N,3,L] axis=-1 at [2,3,5] and [1,3,9], with an all-zero row -> zeros, not NaN', async () => {
    const g = new Graph();
    g.output(l2Normalize(g.input('x', 'float32', ['N', 3, 'L']), -1), 'y');
    const m = await compileGraph(g);
    try {
      for (const [k, dims] of [
        [2, 3, 5],
        [1, 3, 9],
      ].entries()) {
        const len = dims[2];
        const x = randomArray(numel(dims), 70 + k, -2, 2);
        x.fill(0, len, 2 * len); // row 1 all zeros
        const { y } = await m.run({ x: { data: x, dims } });
        expect(y.dims).toEqual(dims);
        const zeroRow = Array.from(y.data.slice(len, 2 * len));
        expect(zeroRow.every((v) => v === 0)).toBe(true);
        expectClose(y.data, l2NormalizeRef(x, len), 1e-6, 1e-7);
        // every non-zero row has unit norm
        const row0 = y.data.slice(0, len).reduce((a, v) => a + v * v, 0);
        expect(Math.abs(row0 - 1)).toBeLessThan(1e-6);
      }
    } finally {
      await m.release();
    }
  });
});

describe('channelLayerNorm (Restormer WithBias_LayerNorm)', () => {
  test('channelLayerNorm x=[N,6,H,W] with weight/bias at [1,6,3,4] and [2,6,2,5]', async () => {
    const g = new Graph();
    g.output(channelLayerNorm(new ParamScope(g, 'norm1'), g.input('x', 'float32', ['N', 6, 'H', 'W'])), 'y');
    expect([...g.params.keys()]).toEqual(['norm1.body.weight', 'norm1.body.bias']);
    const weight = randomArray(6, 80, 0.5, 1.5);
    const bias = randomArray(6, 81, -0.5, 0.5);
    const params = new Map<string, HostTensor>([
      ['norm1.body.weight', { shape: [6], data: weight }],
      ['norm1.body.bias', { shape: [6], data: bias }],
    ]);
    const m = await compileGraph(g, params);
    try {
      for (const [k, s] of ([[1, 6, 3, 4], [2, 6, 2, 5]] as Shape4[]).entries()) {
        const x = randomArray(numel(s), 82 + k, -3, 3);
        const { y } = await m.run({ x: { data: x, dims: s } });
        expect(y.dims).toEqual(s);
        expectClose(y.data, channelLayerNormRef(x, s, weight, bias), 1e-5, 1e-6);
      }
    } finally {
      await m.release();
    }
  });

  test('channelLayerNorm of a constant-per-pixel x=[1,4,2,2] gives the bias (variance 0, eps 1e-5)', async () => {
    const g = new Graph();
    g.output(channelLayerNorm(new ParamScope(g, 'n'), g.input('x', 'float32', [1, 4, 2, 2])), 'y');
    const bias = new Float32Array([0.1, -0.2, 0.3, 0.4]);
    const params = new Map<string, HostTensor>([
      ['n.body.weight', { shape: [4], data: new Float32Array([2, 2, 2, 2]) }],
      ['n.body.bias', { shape: [4], data: bias }],
    ]);
    const m = await compileGraph(g, params);
    try {
      const x = new Float32Array(16).fill(7);
      const { y } = await m.run({ x: { data: x, dims: [1, 4, 2, 2] } });
      const expected = Array.from({ length: 16 }, (_, i) => bias[Math.floor(i / 4)]);
      expectClose(y.data, expected, 1e-6, 1e-7);
    } finally {
      await m.release();
    }
  });

  test('channelLayerNorm x=[1,2,1,1] = [1,3]: (x - 2) / sqrt(1 + 1e-5) by hand', async () => {
    const g = new Graph();
    g.output(channelLayerNorm(new ParamScope(g, 'n'), g.input('x', 'float32', [1, 2, 1, 1])), 'y');
    const params = new Map<string, HostTensor>([
      ['n.body.weight', { shape: [2], data: new Float32Array([1, 1]) }],
      ['n.body.bias', { shape: [2], data: new Float32Array([0, 0]) }],
    ]);
    const m = await compileGraph(g, params);
    try {
      const { y } = await m.run({ x: { data: new Float32Array([1, 3]), dims: [1, 2, 1, 1] } });
      // biased variance of {1, 3} is 1 (the unbiased one would be 2)
      const v = 1 / Math.sqrt(1 + 1e-5);
      expectClose(y.data, [-v, v], 1e-6, 0);
    } finally {
      await m.release();
    }
  });
});
