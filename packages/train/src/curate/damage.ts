/**
 * Controlled damage for calibrating and testing the quality metrics: Gaussian blur, JPEG
 * re-compression and additive Gaussian noise, each deterministic (noise from a seeded generator).
 */
import sharp from 'sharp';
import { decodeImage, RgbImage } from './image';

export type Damage = 'blur' | 'jpeg' | 'noise';

const raw = (img: RgbImage) => sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } });

/** mulberry32: a small seeded generator of uniforms in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Adds N(0, sigma^2) noise (8-bit levels) to every sample, rounds and clips. */
export function addNoise(img: RgbImage, sigma: number, seed = 1): RgbImage {
  const u = mulberry32(seed);
  const out = new Uint8Array(img.data.length);
  for (let i = 0; i < out.length; i++) {
    const g = Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
    out[i] = Math.max(0, Math.min(255, Math.round(img.data[i] + sigma * g)));
  }
  return { ...img, data: out };
}

/**
 * Damages a copy: 'blur' = Gaussian blur of standard deviation `level` px (sharp, >= 0.3),
 * 'jpeg' = JPEG at quality `level` (libjpeg via sharp, 4:2:0), 'noise' = Gaussian noise of
 * standard deviation `level` levels. Level 0 (blur, noise) or 100 (jpeg) returns the original.
 */
export async function damage(img: RgbImage, kind: Damage, level: number): Promise<RgbImage> {
  if (kind === 'blur') return level === 0 ? img : decodeImage(await raw(img).blur(level).png({ compressionLevel: 1 }).toBuffer());
  if (kind === 'jpeg') return level === 100 ? img : decodeImage(await raw(img).jpeg({ quality: level }).toBuffer());
  return level === 0 ? img : addNoise(img, level);
}
