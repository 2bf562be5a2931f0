/** Decoded images and the grey conversions each metric's reference implementation uses. */
import sharp from 'sharp';

/** 8-bit sRGB pixels, interleaved RGB, row-major. */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** One plane of float64 samples, row-major. */
export interface Plane {
  width: number;
  height: number;
  data: Float64Array;
}

/**
 * Decodes any format sharp reads into 8-bit sRGB: EXIF orientation applied, alpha dropped (composited
 * over white), greyscale and CMYK converted, first frame of animations. Fails on truncated or corrupt
 * data (sharp's failOn 'warning') rather than returning a partly grey image.
 */
export async function decodeImage(file: string | Buffer): Promise<RgbImage> {
  const { data, info } = await sharp(file, { failOn: 'warning' })
    .autoOrient()
    .flatten({ background: { r: 255, g: 255, b: 255 } })
    .toColourspace('srgb')
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels, expected 3`);
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

/** Encodes RGB pixels as PNG with fixed settings, so equal pixels give equal bytes. */
export function encodePng(img: RgbImage): Promise<Buffer> {
  return sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
    .png({ compressionLevel: 6, adaptiveFiltering: false, palette: false })
    .toBuffer();
}

/** Weighted sum of R, G, B, optionally rounded to the nearest integer (MATLAB's uint8 rgb2gray). */
export function toGray(img: RgbImage, weights: readonly [number, number, number], round = false): Plane {
  const { width, height, data } = img;
  const out = new Float64Array(width * height);
  const [wr, wg, wb] = weights;
  for (let i = 0, j = 0; i < out.length; i++, j += 3) {
    const v = wr * data[j] + wg * data[j + 1] + wb * data[j + 2];
    out[i] = round ? Math.round(v) : v;
  }
  return { width, height, data: out };
}

/** MATLAB rgb2gray (inverse of the NTSC YIQ transform), used by the NIQE release. */
export const MATLAB_GRAY = [0.298936021293775, 0.587043074451121, 0.114020904255103] as const;
/** ITU-R BT.601 luma, used by Wang-Sheikh-Bovik's jpeg_quality_score.m and the flat detector. */
export const BT601 = [0.299, 0.587, 0.114] as const;
/** ITU-R BT.709 luma, used by scikit-image's rgb2gray (and so its blur_effect). */
export const BT709 = [0.2125, 0.7154, 0.0721] as const;

/** Copies the rectangle (x, y, w, h) out of an RGB image. */
export function cropRgb(img: RgbImage, x: number, y: number, w: number, h: number): RgbImage {
  const out = new Uint8Array(w * h * 3);
  for (let r = 0; r < h; r++) {
    const src = ((y + r) * img.width + x) * 3;
    out.set(img.data.subarray(src, src + w * 3), r * w * 3);
  }
  return { width: w, height: h, data: out };
}
