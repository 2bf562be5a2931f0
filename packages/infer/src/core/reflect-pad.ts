/**
 * Reflect padding (mirror without repeating the edge sample, as numpy's and PyTorch's 'reflect')
 * on the bottom and right, which is where the authors pad; results are cropped back from the top
 * left. Reflection repeats for pads longer than the image, and a 1-sample axis repeats its sample.
 */
import { PlanarImage, planarImage } from './planar-image';

/** The network's spatial granularity: H and W must be multiples of this. */
export const SIZE_MULTIPLE = 8;

export function roundUp(n: number, multiple: number): number {
  return Math.ceil(n / multiple) * multiple;
}

/** Index into an axis of length `n` that reflect padding reads for position `i` (any integer). */
export function reflectIndex(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  const m = ((i % period) + period) % period;
  return m < n ? m : period - m;
}

/**
 * The region of `image` with top-left (y, x) and size h x w, reflect-padded on the bottom and
 * right to the next multiple of `multiple` (reflection is about the region's own last row and
 * column, which is the image border whenever padding happens in our use).
 */
export function padRegion(image: PlanarImage, y: number, x: number, h: number, w: number, multiple = SIZE_MULTIPLE): PlanarImage {
  if (y < 0 || x < 0 || h < 1 || w < 1 || y + h > image.height || x + w > image.width) {
    throw new RangeError(`region ${h}x${w} at (${y}, ${x}) is outside the ${image.height}x${image.width} image`);
  }
  const ph = roundUp(h, multiple);
  const pw = roundUp(w, multiple);
  const out = planarImage(pw, ph);
  const cols = Int32Array.from({ length: pw }, (_, c) => x + reflectIndex(c, w));
  const inPlane = image.width * image.height;
  for (let c = 0; c < 3; c++) {
    for (let r = 0; r < ph; r++) {
      const src = c * inPlane + (y + reflectIndex(r, h)) * image.width;
      const dst = c * pw * ph + r * pw;
      for (let k = 0; k < pw; k++) out.data[dst + k] = image.data[src + cols[k]];
    }
  }
  return out;
}

/** The top-left h x w of `image`. */
export function cropTopLeft(image: PlanarImage, h: number, w: number): PlanarImage {
  if (h === image.height && w === image.width) return image;
  const out = planarImage(w, h);
  const inPlane = image.width * image.height;
  for (let c = 0; c < 3; c++) {
    for (let r = 0; r < h; r++) {
      const src = c * inPlane + r * image.width;
      out.data.set(image.data.subarray(src, src + w), c * w * h + r * w);
    }
  }
  return out;
}
