/**
 * MATLAB's imresize(im, scale) for double images: bicubic (a = -0.5), antialiased when shrinking,
 * symmetric borders, rows resized before columns. NIQE's second scale is imresize(im, 0.5).
 */
import type { Plane } from './image';

function cubic(x: number): number {
  const a = Math.abs(x);
  const a2 = a * a;
  const a3 = a2 * a;
  if (a <= 1) return 1.5 * a3 - 2.5 * a2 + 1;
  if (a <= 2) return -0.5 * a3 + 2.5 * a2 - 4 * a + 2;
  return 0;
}

interface Contributions {
  indices: Int32Array[];
  weights: Float64Array[];
}

/** MATLAB's contributions(): for each output sample, the (0-based) input samples and their weights. */
function contributions(inLength: number, outLength: number, scale: number): Contributions {
  const antialias = scale < 1;
  const kernelWidth = antialias ? 4 / scale : 4;
  const h = (x: number) => (antialias ? scale * cubic(scale * x) : cubic(x));
  const taps = Math.ceil(kernelWidth) + 2;
  const indices: Int32Array[] = [];
  const weights: Float64Array[] = [];
  for (let x = 1; x <= outLength; x++) {
    const u = x / scale + 0.5 * (1 - 1 / scale);
    const left = Math.floor(u - kernelWidth / 2);
    const idx: number[] = [];
    const wts: number[] = [];
    let sum = 0;
    for (let t = 0; t < taps; t++) {
      const j = left + t;
      const wt = h(u - j);
      wts.push(wt);
      sum += wt;
      // 1-based j mirrored into [1, inLength], as aux = [1:in, in:-1:1] does.
      const period = 2 * inLength;
      const m = (((j - 1) % period) + period) % period;
      idx.push(m < inLength ? m : period - 1 - m);
    }
    const keep = wts.map((wt) => wt !== 0);
    indices.push(Int32Array.from(idx.filter((_, t) => keep[t])));
    weights.push(Float64Array.from(wts.filter((_, t) => keep[t]).map((wt) => wt / sum)));
  }
  return { indices, weights };
}

/** Resizes by `scale` along both axes; output size ceil(size * scale), as MATLAB's. */
export function imresize(p: Plane, scale: number): Plane {
  const outH = Math.ceil(p.height * scale);
  const outW = Math.ceil(p.width * scale);
  const rows = contributions(p.height, outH, scale);
  const tmp = new Float64Array(outH * p.width);
  for (let y = 0; y < outH; y++) {
    const idx = rows.indices[y];
    const wts = rows.weights[y];
    for (let k = 0; k < idx.length; k++) {
      const src = idx[k] * p.width;
      const wk = wts[k];
      for (let x = 0; x < p.width; x++) tmp[y * p.width + x] += wk * p.data[src + x];
    }
  }
  const cols = contributions(p.width, outW, scale);
  const out = new Float64Array(outH * outW);
  for (let y = 0; y < outH; y++) {
    for (let x = 0; x < outW; x++) {
      const idx = cols.indices[x];
      const wts = cols.weights[x];
      let s = 0;
      for (let k = 0; k < idx.length; k++) s += wts[k] * tmp[y * p.width + idx[k]];
      out[y * outW + x] = s;
    }
  }
  return { width: outW, height: outH, data: out };
}
