/**
 * The authors' test-time data handling (PromptIR/DyNet test scripts), on 8-bit RGB pixels as PIL
 * gives them: a centred crop to a multiple of 16, and Gaussian noise drawn with numpy's randn in
 * height, width, channel order, added in the 0..255 range, clipped and truncated to uint8.
 */
import { NumpyRandom } from './numpy-random';
import { Pixels } from './pixel-layout';

/** The authors' crop_img: drops `size % base` rows and columns, the smaller half from the top/left. */
export function centreCrop(pixels: Pixels, base: number): Pixels {
  const { width, height, channels } = pixels;
  const h = height - (height % base);
  const w = width - (width % base);
  if (h === 0 || w === 0) throw new RangeError(`a ${width}x${height} image is smaller than ${base}x${base}`);
  if (h === height && w === width) return pixels;
  const y0 = Math.floor((height % base) / 2);
  const x0 = Math.floor((width % base) / 2);
  const samples = new (pixels.samples.constructor as new (n: number) => Pixels['samples'])(w * h * channels);
  for (let r = 0; r < h; r++) {
    const src = ((y0 + r) * width + x0) * channels;
    samples.set(pixels.samples.subarray(src, src + w * channels), r * w * channels);
  }
  return { ...pixels, width: w, height: h, samples };
}

/** `clip(x + randn(H, W, C) * sigma, 0, 255).astype(uint8)` on 8-bit pixels. */
export function addGaussianNoise(pixels: Pixels, sigma: number, rng: NumpyRandom): Pixels {
  if (pixels.bitDepth !== 8) throw new RangeError('noise is added to 8-bit pixels (the authors\' protocol)');
  const samples = new Uint8Array(pixels.samples.length);
  for (let i = 0; i < samples.length; i++) {
    const v = pixels.samples[i] + rng.nextGaussian() * sigma;
    samples[i] = Math.trunc(Math.min(255, Math.max(0, v)));
  }
  return { ...pixels, samples };
}

/** 8-bit RGB as PIL's convert('RGB') gives it: grey repeated, alpha dropped, 16-bit rounded to 8. */
export function toRgb8(pixels: Pixels): Pixels {
  const { width, height, channels, bitDepth } = pixels;
  if (channels === 3 && bitDepth === 8) return pixels;
  const n = width * height;
  const samples = new Uint8Array(3 * n);
  const scale = bitDepth === 16 ? 1 / 257 : 1;
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++) samples[3 * i + c] = Math.round(pixels.samples[i * channels + (channels >= 3 ? c : 0)] * scale);
  }
  return { width, height, channels: 3, bitDepth: 8, samples };
}
