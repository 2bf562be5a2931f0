/**
 * Synthetic rain streaks: sparse seeds motion-blurred into line streaks along one direction,
 * softened across, and added to the image (then clipped), as rain is rendered for Rain100L-like
 * sets. Streaks start outside the frame too, so they cross the borders.
 */
import type { Rng } from './rng';

export interface RainParams {
  /** streak direction, degrees from vertical */
  angle: number;
  /** mean streak length, px (each streak 0.7x to 1.3x) */
  length: number;
  /** streaks per pixel of the (margin-extended) frame */
  density: number;
  /** added level of a streak's core, as a fraction of 255 */
  brightness: number;
  /** standard deviation of the blur across the streaks, px */
  width: number;
}

export const RAIN_RANGES = { angle: [-30, 30], length: [10, 40], density: [0.001, 0.006], brightness: [0.3, 0.7], width: [0.3, 0.7] } as const;

export function drawRainParams(rng: Rng): RainParams {
  const r = RAIN_RANGES;
  return {
    angle: rng.range(r.angle[0], r.angle[1]),
    length: rng.range(r.length[0], r.length[1]),
    density: rng.range(r.density[0], r.density[1]),
    brightness: rng.range(r.brightness[0], r.brightness[1]),
    width: rng.range(r.width[0], r.width[1]),
  };
}

/** Bilinear splat of `v` at (x, y). */
function splat(map: Float32Array, w: number, h: number, x: number, y: number, v: number): void {
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const fx = x - x0;
  const fy = y - y0;
  for (let dy = 0; dy < 2; dy++) {
    const yy = y0 + dy;
    if (yy < 0 || yy >= h) continue;
    for (let dx = 0; dx < 2; dx++) {
      const xx = x0 + dx;
      if (xx >= 0 && xx < w) map[yy * w + xx] += v * (dx ? fx : 1 - fx) * (dy ? fy : 1 - fy);
    }
  }
}

/** Separable 5-tap Gaussian blur of standard deviation s, edges clamped. */
function blur(map: Float32Array, w: number, h: number, s: number): Float32Array {
  const k = [-2, -1, 0, 1, 2].map((d) => Math.exp((-d * d) / (2 * s * s)));
  const sum = k.reduce((a, b) => a + b, 0);
  const kn = k.map((v) => v / sum);
  const tmp = new Float32Array(map.length);
  const out = new Float32Array(map.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let acc = 0;
      for (let d = -2; d <= 2; d++) acc += kn[d + 2] * map[y * w + Math.min(w - 1, Math.max(0, x + d))];
      tmp[y * w + x] = acc;
    }
  }
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let acc = 0;
      for (let d = -2; d <= 2; d++) acc += kn[d + 2] * tmp[Math.min(h - 1, Math.max(0, y + d)) * w + x];
      out[y * w + x] = acc;
    }
  }
  return out;
}

/** The streak layer S in [0, 1] (w x h). */
export function rainLayer(w: number, h: number, p: RainParams, rng: Rng): Float32Array {
  const map = new Float32Array(w * h);
  const margin = Math.ceil(p.length * 0.65) + 2;
  const count = Math.round(p.density * (w + 2 * margin) * (h + 2 * margin));
  const dx = Math.sin((p.angle * Math.PI) / 180);
  const dy = Math.cos((p.angle * Math.PI) / 180);
  for (let i = 0; i < count; i++) {
    const cx = rng.range(-margin, w + margin);
    const cy = rng.range(-margin, h + margin);
    const len = p.length * rng.range(0.7, 1.3);
    const level = rng.range(0.6, 1);
    const steps = Math.ceil(len * 2);
    // Unit line density: each step adds its length; a sine envelope tapers both ends.
    for (let k = 0; k <= steps; k++) {
      const t = k / steps;
      splat(map, w, h, cx + (t - 0.5) * len * dx, cy + (t - 0.5) * len * dy, level * Math.sin(Math.PI * t) * (len / steps));
    }
  }
  const soft = blur(map, w, h, p.width);
  // Blurring a 1 px line spreads it to a peak of 1 / (sqrt(2 pi) s): scale the core back to its level.
  const gain = Math.sqrt(2 * Math.PI) * p.width;
  for (let i = 0; i < soft.length; i++) soft[i] = Math.min(1, soft[i] * gain);
  return soft;
}

/** out = round(clip(x + 255 * brightness * S, 0, 255)), the same streaks on the three channels. */
export function addRain(img: Uint8Array, w: number, h: number, p: RainParams, rng: Rng): Uint8Array {
  const s = rainLayer(w, h, p, rng);
  const out = new Uint8Array(img.length);
  for (let i = 0; i < s.length; i++) {
    const add = 255 * p.brightness * s[i];
    for (let c = 0; c < 3; c++) out[i * 3 + c] = Math.round(Math.min(255, img[i * 3 + c] + add));
  }
  return out;
}
