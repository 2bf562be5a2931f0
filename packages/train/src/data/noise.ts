/** Additive noises on interleaved 8-bit images, each drawn from the sample's generator. */
import type { Rng } from './rng';

const clip = (v: number) => (v < 0 ? 0 : v > 255 ? 255 : v);

/**
 * Gaussian noise as the authors add it (AirNet/PromptIR `utils/degradation_utils.py`):
 * `np.clip(clean + np.random.randn(*shape) * sigma, 0, 255).astype(np.uint8)`, where the cast
 * truncates, so out = floor(clip(x + sigma * n, 0, 255)) with n ~ N(0, 1) per sample and channel.
 * rounding 'round' takes the nearest level instead.
 */
export function addGaussianNoise(img: Uint8Array, sigma: number, rng: Rng, rounding: 'truncate' | 'round' = 'truncate'): Uint8Array {
  const out = new Uint8Array(img.length);
  const q = rounding === 'round' ? Math.round : Math.floor;
  for (let i = 0; i < img.length; i++) out[i] = q(clip(img[i] + sigma * rng.normal()));
  return out;
}

/** Uniform noise: out = round(clip(x + u, 0, 255)), u ~ U(-amplitude, amplitude) per sample and channel. */
export function addUniformNoise(img: Uint8Array, amplitude: number, rng: Rng): Uint8Array {
  const out = new Uint8Array(img.length);
  for (let i = 0; i < img.length; i++) out[i] = Math.round(clip(img[i] + rng.range(-amplitude, amplitude)));
  return out;
}

/** Salt-and-pepper: each pixel, with probability `density`, becomes black or white (all three channels). */
export function addSaltPepper(img: Uint8Array, density: number, rng: Rng): Uint8Array {
  const out = img.slice();
  for (let p = 0; p < img.length; p += 3) {
    if (rng.float() >= density) continue;
    const v = rng.float() < 0.5 ? 0 : 255;
    out[p] = out[p + 1] = out[p + 2] = v;
  }
  return out;
}
