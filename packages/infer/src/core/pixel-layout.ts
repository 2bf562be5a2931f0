/**
 * Conversion between decoded pixels (interleaved integer samples: grey, grey+alpha, RGB or RGBA,
 * 8 or 16 bit) and the network's planar float layout. Grey is repeated into R, G and B on the way
 * in and is the mean of R, G and B on the way out; alpha never enters the network and is copied
 * back sample for sample.
 */
import { PlanarImage, planarImage } from './planar-image';

/** Interleaved integer samples as decoders give and encoders take them. */
export interface Pixels {
  readonly width: number;
  readonly height: number;
  /** 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA */
  readonly channels: 1 | 2 | 3 | 4;
  /** 8 (Uint8Array or Uint8ClampedArray samples) or 16 (Uint16Array samples) */
  readonly bitDepth: 8 | 16;
  readonly samples: Uint8Array | Uint8ClampedArray | Uint16Array;
}

export function hasAlpha(channels: number): boolean {
  return channels === 2 || channels === 4;
}

/** The colour channels of `pixels` as a planar image in [0, 1]. */
export function toPlanar(pixels: Pixels): PlanarImage {
  const { width, height, channels, samples } = pixels;
  const n = width * height;
  if (samples.length !== n * channels) {
    throw new RangeError(`pixel buffer has ${samples.length} samples, ${width}x${height}x${channels} needs ${n * channels}`);
  }
  const scale = 1 / maxSample(pixels.bitDepth);
  const image = planarImage(width, height);
  const out = image.data;
  const colour = channels >= 3 ? 3 : 1;
  for (let i = 0; i < n; i++) {
    const base = i * channels;
    for (let c = 0; c < 3; c++) out[c * n + i] = samples[base + (colour === 3 ? c : 0)] * scale;
  }
  return image;
}

/**
 * `image` as interleaved samples shaped like `like` (its channels and bit depth), rounding and
 * clipping to the sample range; alpha, where `like` has it, is copied from `like`.
 */
export function fromPlanar(image: PlanarImage, like: Pick<Pixels, 'channels' | 'bitDepth' | 'samples'>): Pixels {
  const { width, height, data } = image;
  const { channels, bitDepth } = like;
  const n = width * height;
  if (hasAlpha(channels) && like.samples.length !== n * channels) {
    throw new RangeError(`alpha source has ${like.samples.length} samples, ${width}x${height}x${channels} needs ${n * channels}`);
  }
  const max = maxSample(bitDepth);
  const samples = bitDepth === 16 ? new Uint16Array(n * channels) : new Uint8Array(n * channels);
  const quantise = (v: number) => Math.round(Math.min(1, Math.max(0, v)) * max);
  for (let i = 0; i < n; i++) {
    const base = i * channels;
    if (channels >= 3) {
      for (let c = 0; c < 3; c++) samples[base + c] = quantise(data[c * n + i]);
    } else {
      samples[base] = quantise((data[i] + data[n + i] + data[2 * n + i]) / 3);
    }
    if (hasAlpha(channels)) samples[base + channels - 1] = like.samples[base + channels - 1];
  }
  return { width, height, channels, bitDepth, samples };
}

function maxSample(bitDepth: 8 | 16): number {
  return bitDepth === 16 ? 65535 : 255;
}
