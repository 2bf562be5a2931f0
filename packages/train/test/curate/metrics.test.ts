/** The metrics' building blocks on small synthetic inputs (formulas in each src/curate module). */
import { blockinessFeatures, blurEffect, flatShare, Plane, RgbImage } from '../../src/curate';
import { AGGD_GRID, estimateAggd, gamma } from '../../src/curate/aggd';
import { mulberry32 } from '../../src/curate/damage';
import { correlate1d } from '../../src/curate/filter';
import { imresize } from '../../src/curate/imresize';
import { pinvSymmetric } from '../../src/curate/linalg';
import { mvgDistance } from '../../src/curate/niqe';

const gauss = (u: () => number) => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
const plane = (w: number, h: number, f: (x: number, y: number) => number): Plane => {
  const data = new Float64Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data[y * w + x] = f(x, y);
  return { width: w, height: h, data };
};
const rgb = (p: Plane): RgbImage => {
  const data = new Uint8Array(p.data.length * 3);
  p.data.forEach((v, i) => data.fill(Math.max(0, Math.min(255, Math.round(v))), 3 * i, 3 * i + 3));
  return { width: p.width, height: p.height, data };
};

describe('AGGD fit (estimateaggdparam.m)', () => {
  test('gamma at 0.2, 0.5, 5', () => {
    expect(gamma(0.5)).toBeCloseTo(Math.sqrt(Math.PI), 13);
    expect(gamma(5)).toBeCloseTo(24, 11);
    expect(gamma(0.2)).toBeCloseTo(4.590843711998803, 12);
  });

  test('the ratio table r(alpha) rises over the grid 0.2:0.001:10', () => {
    expect(AGGD_GRID.alpha.length).toBe(9801);
    expect(AGGD_GRID.r.every((v, i) => i === 0 || v > AGGD_GRID.r[i - 1])).toBe(true);
  });

  test('Gaussian samples sigma=2 n=40000: alpha ~ 2, betaL ~ betaR ~ 2 sqrt(2)', () => {
    const u = mulberry32(7);
    const a = estimateAggd(Float64Array.from({ length: 40000 }, () => 2 * gauss(u)));
    expect(a.alpha).toBeGreaterThan(1.9);
    expect(a.alpha).toBeLessThan(2.1);
    expect(a.betaL).toBeCloseTo(2 * Math.SQRT2, 1);
    expect(a.betaR).toBeCloseTo(2 * Math.SQRT2, 1);
  });

  test('Laplacian samples: alpha ~ 1; a constant block gives alpha 0.2 and NaN betas, as the MATLAB release', () => {
    const u = mulberry32(3);
    const lap = Float64Array.from({ length: 40000 }, () => (u() < 0.5 ? 1 : -1) * -Math.log(1 - u()));
    expect(Math.abs(estimateAggd(lap).alpha - 1)).toBeLessThan(0.1);
    expect(estimateAggd(new Float64Array(100))).toEqual({ alpha: 0.2, betaL: NaN, betaR: NaN });
  });
});

describe('filters and linear algebra', () => {
  test('correlate1d x=[1,2,3]: k=[1,1,1] replicate [4,6,8], symmetric [4,6,8]; k=[1,1,1,1,1] symmetric [9,10,11]', () => {
    const p = plane(3, 1, (x) => x + 1);
    expect(Array.from(correlate1d(p, [1, 1, 1], 1, 'replicate').data)).toEqual([4, 6, 8]);
    expect(Array.from(correlate1d(p, [1, 1, 1], 1, 'symmetric').data)).toEqual([4, 6, 8]);
    expect(Array.from(correlate1d(plane(3, 1, (x) => x + 1), [1, 1, 1, 1, 1], 1, 'symmetric').data)).toEqual([9, 10, 11]);
  });

  test('imresize 0.5 of [20,30]: [10,15]; keeps constants; reproduces a ramp inside', () => {
    const r = imresize(plane(30, 20, (x) => 3 * x + 5), 0.5);
    expect([r.width, r.height]).toEqual([15, 10]);
    // output x (1-based) samples input u = 2x - 0.5; a ramp v = 3(u - 1) + 5 in 0-based terms
    for (let x = 3; x < 12; x++) expect(r.data[4 * 15 + x]).toBeCloseTo(3 * (2 * (x + 1) - 0.5 - 1) + 5, 9);
    expect(imresize(plane(9, 7, () => 42), 0.5).data.every((v) => Math.abs(v - 42) < 1e-12)).toBe(true);
  });

  test('pinv of SPD = inverse; pinv diag(2, 0) = diag(0.5, 0); mvgDistance of equal models = 0', () => {
    const a = [[4, 1, 0.5], [1, 3, 0.2], [0.5, 0.2, 2]];
    const inv = pinvSymmetric(a);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) expect(a[i].reduce((s, v, k) => s + v * inv[k][j], 0)).toBeCloseTo(i === j ? 1 : 0, 12);
    const p = pinvSymmetric([[2, 0], [0, 0]]);
    expect(p[0][0]).toBeCloseTo(0.5, 14);
    expect(p[1][1]).toBe(0);
    expect(mvgDistance([1, 2], [[1, 0], [0, 1]], [1, 2], [[2, 0], [0, 2]])).toBe(0);
    expect(mvgDistance([0, 0], [[1, 0], [0, 1]], [3, 4], [[1, 0], [0, 1]])).toBeCloseTo(5, 12);
  });
});

describe('blur and blockiness on synthetic images', () => {
  const u = mulberry32(11);
  const noise = plane(96, 96, () => 128 + 40 * gauss(u));

  test('blur effect: noise is sharp (< 0.3) and rises as the noise is box-blurred over 3, 5, 9 px', () => {
    const box = (n: number) => {
      const k = new Array(n).fill(1 / n);
      return blurEffect(rgb(correlate1d(correlate1d(noise, k, 0, 'symmetric'), k, 1, 'symmetric')));
    };
    const series = [blurEffect(rgb(noise)), box(3), box(5), box(9)];
    expect(series[0]).toBeLessThan(0.3);
    expect(series.every((v, i) => i === 0 || v > series[i - 1])).toBe(true);
  });

  test('blockiness: noise ~ 1; constant 8x8 blocks of random level >> 1', () => {
    expect(Math.abs(blockinessFeatures(noise).blockiness - 1)).toBeLessThan(0.1);
    const levels = Array.from({ length: 144 }, () => 255 * u());
    const blocks = plane(96, 96, (x, y) => levels[Math.floor(y / 8) * 12 + Math.floor(x / 8)] + 2 * gauss(u));
    expect(blockinessFeatures(blocks).blockiness).toBeGreaterThan(5);
  });
});

describe('flat-region detector (16x16 cells, energy < 16)', () => {
  const opts = { block: 16, energy: 16 };
  const u = mulberry32(5);
  /** A 160x160 patch (10x10 cells) whose left `flatCols` cell columns are a gentle ramp, the rest texture. */
  const patch = (flatCols: number) => plane(160, 160, (x, y) => (x < 16 * flatCols ? 100 + x / 8 + y / 16 : 128 + 20 * gauss(u)));

  test.each([[0, 0], [4, 0.4], [6, 0.6]])('%i of 10 cell columns flat: share %f', (cols, share) => {
    expect(flatShare(patch(cols), 0, 0, 160, 160, opts)).toBe(share);
  });

  test('a cell next to texture stays flat: differences never cross cell borders', () => {
    const p = plane(32, 16, (x) => (x < 16 ? 50 : x % 2 ? 0 : 255));
    expect(flatShare(p, 0, 0, 32, 16, opts)).toBe(0.5);
  });
});
