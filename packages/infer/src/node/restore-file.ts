/** One image file through a Restorer: decode, restore (tiled when large), encode like the input. */
import { fromPlanar, toPlanar } from '../core/pixel-layout';
import { Restorer } from '../core/restorer';
import { encodeImage, ImageFormat, readImage } from './image-io';

/** The restored image encoded as `format` (default: the input's), with the input's channels and depth. */
export async function restoreImageFile(
  restorer: Restorer,
  file: string,
  format?: ImageFormat,
  options?: Restorer.RestoreOptions,
): Promise<Uint8Array> {
  const decoded = await readImage(file);
  const restored = await restorer.restore(toPlanar(decoded.pixels), options);
  return encodeImage(fromPlanar(restored, decoded.pixels), format ?? decoded.format);
}
