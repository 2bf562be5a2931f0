/** The per-step choice of S or L in dynamic training: a pure function of (seed, step). */
import { Variant } from '@dynet/graph';

/** splitmix32 of (seed, step) mapped to [0, 1) */
function uniform(seed: number, step: number): number {
  let z = (Math.imul(seed >>> 0, 0x9e3779b9) + Math.imul(step + 1, 0x85ebca6b)) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x7feb352d) >>> 0;
  z = Math.imul(z ^ (z >>> 15), 0x846ca68b) >>> 0;
  return ((z ^ (z >>> 16)) >>> 0) / 4294967296;
}

/** S with probability `probS`, else L; the same seed and step always give the same variant. */
export function drawVariant(seed: number, step: number, probS: number): Variant {
  return uniform(seed, step) < probS ? 'S' : 'L';
}

/** One of `count` choices, uniformly: the depth drawn at a step of a --depths run. */
export function drawIndex(seed: number, step: number, count: number): number {
  return Math.min(count - 1, Math.floor(uniform(seed, step) * count));
}
