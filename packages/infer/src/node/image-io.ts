/**
 * Image files in and out through sharp (libvips): PNG 8/16-bit grey, grey+alpha, RGB and RGBA;
 * JPEG with its EXIF orientation applied to the pixels; WebP. Pixels come back in the file's own
 * layout (channels and bit depth) so a restored image is written the way it was read.
 */
import type SharpModule from 'sharp';
import { requirePeer } from './optional-peer';
import { Pixels } from '../core/pixel-layout';

/** sharp, loaded at first use (an optional peer dependency): outside any per-file error handling, so a missing one is not blamed on a file. */
const loadSharp = () => requirePeer<typeof SharpModule>('sharp');

export type ImageFormat = 'png' | 'jpeg' | 'webp';

export interface DecodedImage {
  readonly pixels: Pixels;
  readonly format: ImageFormat;
}

/** Extensions we read and write, and the format each names. */
export const IMAGE_EXTENSIONS: Readonly<Record<string, ImageFormat>> = {
  '.png': 'png',
  '.jpg': 'jpeg',
  '.jpeg': 'jpeg',
  '.jpe': 'jpeg',
  '.webp': 'webp',
};

export function formatOfPath(file: string): ImageFormat | undefined {
  const dot = file.lastIndexOf('.');
  return dot < 0 ? undefined : IMAGE_EXTENSIONS[file.slice(dot).toLowerCase()];
}

/** Decodes an image file; a file that is not a whole readable image throws naming the file. */
export async function readImage(file: string): Promise<DecodedImage> {
  const sharp = loadSharp();
  try {
    const meta = await sharp(file, { failOn: 'warning' }).metadata();
    const format = meta.format as string;
    if (format !== 'png' && format !== 'jpeg' && format !== 'webp') {
      throw new Error(`${meta.format} images are not supported (PNG, JPEG or WebP)`);
    }
    const sixteen = meta.depth === 'ushort';
    const decode = sharp(file, { failOn: 'warning' }).rotate().toColourspace(sixteen ? 'rgb16' : 'srgb');
    const { data, info } = await decode.raw({ depth: sixteen ? 'ushort' : 'uchar' }).toBuffer({ resolveWithObject: true });
    const samples = sixteen ? new Uint16Array(data.buffer, data.byteOffset, data.byteLength / 2) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    const rgb: Pixels = { width: info.width, height: info.height, channels: info.channels as 3 | 4, bitDepth: sixteen ? 16 : 8, samples };
    const grey = meta.channels !== undefined && meta.channels <= 2 && (meta.space === 'b-w' || meta.space === 'grey16');
    return { pixels: grey ? toGrey(rgb) : rgb, format };
  } catch (err) {
    throw new Error(`${file}: cannot read the image (${describeSharpError(err)})`);
  }
}

/** Encodes pixels as `format`; 16-bit pixels go to JPEG and WebP as 8-bit. */
export async function encodeImage(pixels: Pixels, format: ImageFormat): Promise<Uint8Array> {
  const sharp = loadSharp();
  const { width, height, channels, bitDepth, samples } = pixels;
  const sixteen = bitDepth === 16 && format === 'png';
  const input = bitDepth === 16 && !sixteen ? to8Bit(samples) : samples;
  const grey = channels <= 2;
  let img = sharp(input, { raw: { width, height, channels } });
  img = img.toColourspace(grey ? (sixteen ? 'grey16' : 'b-w') : sixteen ? 'rgb16' : 'srgb');
  if (format === 'png') img = img.png({ compressionLevel: 6 });
  else if (format === 'jpeg') img = img.jpeg({ quality: 95, chromaSubsampling: '4:4:4' });
  else img = img.webp({ quality: 95, alphaQuality: 100 });
  return img.toBuffer();
}

function toGrey(rgb: Pixels): Pixels {
  const n = rgb.width * rgb.height;
  const channels = rgb.channels === 4 ? 2 : 1;
  const samples = new (rgb.samples.constructor as new (n: number) => Pixels['samples'])(n * channels);
  for (let i = 0; i < n; i++) {
    samples[i * channels] = rgb.samples[i * rgb.channels];
    if (channels === 2) samples[i * 2 + 1] = rgb.samples[i * 4 + 3];
  }
  return { ...rgb, channels, samples };
}

function to8Bit(samples: Pixels['samples']): Uint8Array {
  return Uint8Array.from(samples, (v) => Math.round(v / 257));
}

function describeSharpError(err: unknown): string {
  const message = (err instanceof Error ? err.message : String(err)).split('\n')[0].replace(/[:\s]+$/, '');
  if (/unsupported image format/i.test(message)) return 'not an image: PNG, JPEG or WebP expected';
  if (/premature end|truncated|unexpected end|read error|incomplete|corrupt/i.test(message)) return `truncated or corrupt: ${message}`;
  return message;
}
