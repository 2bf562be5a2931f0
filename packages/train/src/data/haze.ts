/**
 * Synthetic haze by the atmospheric scattering model I = J t + A (1 - t), t = exp(-beta d), with
 * a smooth random depth map: a top-to-bottom gradient (far at the top, as in outdoor photos)
 * blended with low-frequency value noise, and a near-grey airlight A per channel.
 */
import type { Rng } from './rng';

export interface HazeParams {
  /** scattering coefficient: transmission t = exp(-beta * depth), depth in [0.15, 1] */
  beta: number;
  /** airlight per channel (R, G, B), as a fraction of 255 */
  airlight: number[];
  /** weight of the vertical gradient in the depth map (the rest is value noise) */
  gradient: number;
  /** value-noise cells across the crop (2..4) */
  cells: number;
}

export const HAZE_RANGES = { beta: [0.5, 1.8], airlight: [0.7, 1.0], tint: 0.04, gradient: [0.2, 0.8] } as const;

export function drawHazeParams(rng: Rng): HazeParams {
  const r = HAZE_RANGES;
  const base = rng.range(r.airlight[0], r.airlight[1]);
  const airlight = [0, 1, 2].map(() => Math.min(r.airlight[1], Math.max(r.airlight[0], base + rng.range(-r.tint, r.tint))));
  return { beta: rng.range(r.beta[0], r.beta[1]), airlight, gradient: rng.range(r.gradient[0], r.gradient[1]), cells: 2 + rng.int(3) };
}

const smooth = (t: number) => t * t * (3 - 2 * t);

/** Depth in [0.15, 1] (w x h): gradient and smoothstep-interpolated value noise on a cells x cells grid. */
export function depthMap(w: number, h: number, p: HazeParams, rng: Rng): Float32Array {
  const g = p.cells + 1;
  const nodes = Float64Array.from({ length: g * g }, () => rng.float());
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    const gy = (y / Math.max(1, h - 1)) * p.cells;
    const y0 = Math.min(p.cells - 1, Math.floor(gy));
    const ty = smooth(gy - y0);
    for (let x = 0; x < w; x++) {
      const gx = (x / Math.max(1, w - 1)) * p.cells;
      const x0 = Math.min(p.cells - 1, Math.floor(gx));
      const tx = smooth(gx - x0);
      const top = nodes[y0 * g + x0] * (1 - tx) + nodes[y0 * g + x0 + 1] * tx;
      const bottom = nodes[(y0 + 1) * g + x0] * (1 - tx) + nodes[(y0 + 1) * g + x0 + 1] * tx;
      const noise = top * (1 - ty) + bottom * ty;
      const d = p.gradient * (1 - y / Math.max(1, h - 1)) + (1 - p.gradient) * noise;
      out[y * w + x] = 0.15 + 0.85 * d;
    }
  }
  return out;
}

/** out = round(clip(J t + 255 A (1 - t))), t = exp(-beta d). */
export function addHaze(img: Uint8Array, w: number, h: number, p: HazeParams, rng: Rng): Uint8Array {
  const depth = depthMap(w, h, p, rng);
  const out = new Uint8Array(img.length);
  for (let i = 0; i < depth.length; i++) {
    const t = Math.exp(-p.beta * depth[i]);
    for (let c = 0; c < 3; c++) out[i * 3 + c] = Math.round(Math.min(255, img[i * 3 + c] * t + 255 * p.airlight[c] * (1 - t)));
  }
  return out;
}
