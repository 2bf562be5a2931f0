/** Separable filtering on float planes, with the border rules of the reference implementations. */
import type { Plane } from './image';

/** How a filter reads outside the plane: repeat the edge sample, or mirror including it (d c b a | a b c d). */
export type Border = 'replicate' | 'symmetric';

function borderIndex(i: number, n: number, border: Border): number {
  if (border === 'replicate') return i < 0 ? 0 : i >= n ? n - 1 : i;
  const period = 2 * n;
  let k = ((i % period) + period) % period;
  return k < n ? k : period - 1 - k;
}

/**
 * Correlates a plane with `kernel` along x (axis 1) or y (axis 0); the kernel's centre is
 * floor(len / 2), as in MATLAB's imfilter and scipy.ndimage.
 */
export function correlate1d(p: Plane, kernel: ArrayLike<number>, axis: 0 | 1, border: Border): Plane {
  const { width: w, height: h, data } = p;
  const k = Float64Array.from(kernel);
  const out = new Float64Array(w * h);
  const half = Math.floor(k.length / 2);
  const n = axis === 1 ? w : h;
  const idx = new Int32Array(n + k.length);
  for (let i = 0; i < idx.length; i++) idx[i] = borderIndex(i - half, n, border);
  if (axis === 1) correlateRows(data, out, w, h, k, idx);
  else {
    for (let y = 0; y < h; y++) {
      const dst = y * w;
      for (let t = 0; t < k.length; t++) {
        const wk = k[t];
        if (wk === 0) continue;
        const src = idx[y + t] * w;
        for (let x = 0; x < w; x++) out[dst + x] += wk * data[src + x];
      }
    }
  }
  return { width: w, height: h, data: out };
}

/** Along x: direct indexing inside, the border table near the ends. */
function correlateRows(data: Float64Array, out: Float64Array, w: number, h: number, k: Float64Array, idx: Int32Array): void {
  const half = Math.floor(k.length / 2);
  const lo = Math.min(half, w);
  const hi = Math.max(lo, w - (k.length - 1 - half));
  for (let y = 0; y < h; y++) {
    const row = y * w;
    for (let x = 0; x < lo; x++) {
      let s = 0;
      for (let t = 0; t < k.length; t++) s += k[t] * data[row + idx[x + t]];
      out[row + x] = s;
    }
    for (let x = lo; x < hi; x++) {
      let s = 0;
      const base = row + x - half;
      for (let t = 0; t < k.length; t++) s += k[t] * data[base + t];
      out[row + x] = s;
    }
    for (let x = hi; x < w; x++) {
      let s = 0;
      for (let t = 0; t < k.length; t++) s += k[t] * data[row + idx[x + t]];
      out[row + x] = s;
    }
  }
}

/** Correlates with the outer product ky * kx (rows, then columns). */
export function correlateSeparable(p: Plane, ky: ArrayLike<number>, kx: ArrayLike<number>, border: Border): Plane {
  return correlate1d(correlate1d(p, ky, 0, border), kx, 1, border);
}

/** MATLAB fspecial('gaussian', size, sigma) factor: the 2-D window is the outer product of this with itself. */
export function gaussianKernel(size: number, sigma: number): Float64Array {
  const k = new Float64Array(size);
  const c = (size - 1) / 2;
  let sum = 0;
  for (let i = 0; i < size; i++) sum += k[i] = Math.exp(-((i - c) ** 2) / (2 * sigma * sigma));
  for (let i = 0; i < size; i++) k[i] /= sum;
  return k;
}

/** Crops the top-left w x h rectangle of a plane. */
export function cropPlane(p: Plane, w: number, h: number): Plane {
  if (w === p.width && h === p.height) return p;
  const out = new Float64Array(w * h);
  for (let y = 0; y < h; y++) out.set(p.data.subarray(y * p.width, y * p.width + w), y * w);
  return { width: w, height: h, data: out };
}
