/** Cutting images into non-overlapping square patches, and where each patch is stored. */
import { createHash } from 'node:crypto';

export interface PatchOffset {
  x: number;
  y: number;
}

/** Top-left corners of the whole `size` x `size` tiles from (0, 0), row by row; the remainder is not used. */
export function patchGrid(width: number, height: number, size: number): PatchOffset[] {
  const out: PatchOffset[] = [];
  for (let y = 0; y + size <= height; y += size) for (let x = 0; x + size <= width; x += size) out.push({ x, y });
  return out;
}

/** Path of a patch relative to the output folder: patches/<h[0:2]>/<h[0:16]>_<x>_<y>.png, h = sha256(key). */
export function patchPath(key: string, o: PatchOffset): string {
  const h = createHash('sha256').update(key).digest('hex');
  return `patches/${h.slice(0, 2)}/${h.slice(0, 16)}_${o.x}_${o.y}.png`;
}
