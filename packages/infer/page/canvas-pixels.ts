/** Between images on canvases and the network's planar layout (8-bit RGBA, alpha kept aside). */
import { fromPlanar, PlanarImage, Pixels, toPlanar } from '../src/core';

/** Decodes a picked or dropped file, applying its EXIF orientation, into RGBA pixels. */
export async function decodeFile(file: Blob): Promise<Pixels> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file, { imageOrientation: 'from-image', premultiplyAlpha: 'none', colorSpaceConversion: 'none' });
  } catch {
    throw new Error('cannot read this file as an image (PNG, JPEG or WebP expected)');
  }
  const canvas = document.createElement('canvas');
  canvas.width = bitmap.width;
  canvas.height = bitmap.height;
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  ctx.drawImage(bitmap, 0, 0);
  bitmap.close();
  const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
  return { width: canvas.width, height: canvas.height, channels: 4, bitDepth: 8, samples: data };
}

export function planarOf(pixels: Pixels): PlanarImage {
  return toPlanar(pixels);
}

/** Draws `image` on `canvas` with the alpha of `like`. */
export function drawPlanar(canvas: HTMLCanvasElement, image: PlanarImage, like: Pixels): void {
  drawPixels(canvas, fromPlanar(image, like));
}

export function drawPixels(canvas: HTMLCanvasElement, pixels: Pixels): void {
  canvas.width = pixels.width;
  canvas.height = pixels.height;
  const data = new ImageData(new Uint8ClampedArray(pixels.samples), pixels.width, pixels.height);
  canvas.getContext('2d')!.putImageData(data, 0, 0);
}
