/**
 * Pre-training inputs as the DyNet paper describes them (no code was released): on half of the
 * crop's area one of JPEG compression, Gaussian noise or random noise at a random level, then 30%
 * of the crop masked to 0 in random square patches. The target is the clean crop.
 */
import sharp from 'sharp';
import { addGaussianNoise, addSaltPepper, addUniformNoise } from './noise';
import type { Rng } from './rng';

export type PretrainKind = 'jpeg' | 'gaussian' | 'uniform' | 'salt-pepper';

export interface PretrainParams {
  kind: PretrainKind;
  /** JPEG quality, Gaussian sigma, uniform amplitude (8-bit levels) or salt-and-pepper density */
  level: number;
  /** the degraded rectangle [x, y, w, h], about half the crop's area */
  region: number[];
  /** side of the square mask patches, px */
  maskPatch: number;
  /** fraction of the crop's pixels set to 0 (whole patches, at least this much) */
  maskFraction: number;
}

/** Drawn uniformly: the kind among JPEG, Gaussian and random noise (uniform or salt-and-pepper, even odds), then its level. */
export const PRETRAIN_RANGES = { jpeg: [10, 50], gaussian: [5, 50], uniform: [10, 60], 'salt-pepper': [0.02, 0.2] } as const;

export function drawPretrainParams(n: number, rng: Rng, maskPatch = 8, maskFraction = 0.3): PretrainParams {
  const pick = rng.int(3);
  const kind: PretrainKind = pick === 0 ? 'jpeg' : pick === 1 ? 'gaussian' : rng.float() < 0.5 ? 'uniform' : 'salt-pepper';
  const [lo, hi] = PRETRAIN_RANGES[kind];
  const level = kind === 'jpeg' ? lo + rng.int(hi - lo + 1) : rng.range(lo, hi);
  // A rectangle of half the area: width in [n/2, n], height to match.
  const half = Math.ceil(n / 2);
  const rw = half + rng.int(n - half + 1);
  const rh = Math.min(n, Math.max(1, Math.round((n * n) / 2 / rw)));
  const region = [rng.int(n - rw + 1), rng.int(n - rh + 1), rw, rh];
  return { kind, level, region, maskPatch, maskFraction };
}

async function jpeg(img: Uint8Array, n: number, quality: number): Promise<Uint8Array> {
  const encoded = await sharp(img, { raw: { width: n, height: n, channels: 3 } }).jpeg({ quality }).toBuffer();
  const { data } = await sharp(encoded).raw().toBuffer({ resolveWithObject: true });
  return new Uint8Array(data.buffer, data.byteOffset, data.length);
}

/** The whole crop degraded by the kind (the caller keeps only the region). */
function degradeAll(img: Uint8Array, n: number, p: PretrainParams, rng: Rng): Promise<Uint8Array> | Uint8Array {
  switch (p.kind) {
    case 'jpeg':
      return jpeg(img, n, p.level);
    case 'gaussian':
      return addGaussianNoise(img, p.level, rng);
    case 'uniform':
      return addUniformNoise(img, p.level, rng);
    case 'salt-pepper':
      return addSaltPepper(img, p.level, rng);
  }
}

/** Sets whole patches to 0, in random order, until at least `fraction` of the pixels are masked; returns the count. */
export function maskPatches(img: Uint8Array, n: number, patch: number, fraction: number, rng: Rng): number {
  const cells = Math.ceil(n / patch);
  const order = Array.from({ length: cells * cells }, (_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  const want = Math.round(fraction * n * n);
  let masked = 0;
  for (const cell of order) {
    if (masked >= want) break;
    const x0 = (cell % cells) * patch;
    const y0 = Math.floor(cell / cells) * patch;
    for (let y = y0; y < Math.min(n, y0 + patch); y++) {
      img.fill(0, (y * n + x0) * 3, (y * n + Math.min(n, x0 + patch)) * 3);
      masked += Math.min(n, x0 + patch) - x0;
    }
  }
  return masked;
}

/** The pre-training input for an n x n crop: the region degraded, then the patches masked. */
export async function pretrainCorrupt(img: Uint8Array, n: number, p: PretrainParams, rng: Rng): Promise<Uint8Array> {
  const degraded = await degradeAll(img, n, p, rng);
  const out = img.slice();
  const [rx, ry, rw, rh] = p.region;
  for (let y = ry; y < ry + rh; y++) out.set(degraded.subarray((y * n + rx) * 3, (y * n + rx + rw) * 3), (y * n + rx) * 3);
  maskPatches(out, n, p.maskPatch, p.maskFraction, rng);
  return out;
}
