/**
 * JPEG blockiness: the features of Wang, Sheikh, Bovik, "No-reference perceptual quality assessment
 * of JPEG compressed images", ICIP 2002, as their jpeg_quality_score.m computes them on the BT.601
 * grey image x (0..255):
 *
 *   d_h(i, j) = x(i, j+1) - x(i, j)
 *   B_h = mean |d_h| over the 8x8 block boundaries (j = 8, 16, ..., 1-based)
 *   A_h = (8 mean |d_h| - B_h) / 7                         activity inside the blocks
 *   Z_h = share of adjacent d_h pairs that change sign      zero-crossing rate
 *   likewise vertically; B, A, Z = the means of both directions
 *   score = -245.8909 + 261.9373 B^-0.02398886 A^0.01601664 Z^0.00642859   (1 worst .. 10 best)
 *
 * `blockiness` = B / A, the step across block boundaries relative to the steps inside blocks: about 1
 * for an image without a JPEG grid, growing as quality falls. It is the thresholded measure; the
 * Wang-Sheikh-Bovik `score` is reported beside it.
 */
import type { Plane } from './image';

export interface BlockinessFeatures {
  B: number;
  A: number;
  Z: number;
  blockiness: number;
  score: number;
}

interface Direction {
  B: number;
  A: number;
  Z: number;
}

/** One direction: `n` samples per line, `lines` lines, sample k of line l at data[l * ls + k * ks]. */
function direction(data: Float64Array, n: number, lines: number, ls: number, ks: number): Direction {
  let sumAll = 0, sumB = 0, nB = 0, zc = 0;
  for (let l = 0; l < lines; l++) {
    const base = l * ls;
    let prevSign = 0;
    for (let k = 0; k < n - 1; k++) {
      const d = data[base + (k + 1) * ks] - data[base + k * ks];
      const a = Math.abs(d);
      sumAll += a;
      if ((k + 1) % 8 === 0 && k + 1 <= 8 * (Math.floor(n / 8) - 1)) { sumB += a; nB++; }
      const sg = Math.sign(d);
      if (k > 0 && sg * prevSign < 0) zc++;
      prevSign = sg;
    }
  }
  const B = nB ? sumB / nB : 0;
  const A = (8 * (sumAll / (lines * (n - 1))) - B) / 7;
  return { B, A, Z: zc / (lines * (n - 2)) };
}

/** Wang-Sheikh-Bovik features of a grey plane (at least 16x16). */
export function blockinessFeatures(p: Plane): BlockinessFeatures {
  if (p.width < 16 || p.height < 16) throw new RangeError(`blockiness needs at least 16x16 pixels, got ${p.width}x${p.height}`);
  const h = direction(p.data, p.width, p.height, p.width, 1);
  const v = direction(p.data, p.height, p.width, 1, p.width);
  const B = (h.B + v.B) / 2;
  const A = (h.A + v.A) / 2;
  const Z = (h.Z + v.Z) / 2;
  const score = -245.8909 + 261.9373 * B ** (-239.8886 / 10000) * A ** (160.1664 / 10000) * Z ** (64.2859 / 10000);
  const blockiness = A > 0 ? B / A : B > 0 ? Infinity : 1;
  return { B, A, Z, blockiness, score };
}
