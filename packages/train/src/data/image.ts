/** Decoding to 8-bit RGB, the per-worker image cache, crops, the 8 flips/rotations and NCHW output. */
import sharp from 'sharp';

/** Interleaved 8-bit RGB, row-major (HWC). */
export interface Rgb8 {
  data: Uint8Array;
  width: number;
  height: number;
}

/**
 * Decodes a file to 8-bit sRGB: EXIF orientation applied, alpha dropped, grey expanded to RGB.
 * 16-bit images are read at 16 bits and scaled to 8 as round(v / 257), the inverse of 8-to-16
 * bit scaling (libvips alone would keep the high byte, v >> 8).
 */
export async function decodeRgb8(file: string): Promise<Rgb8> {
  const meta = await sharp(file).metadata();
  const base = sharp(file).autoOrient().removeAlpha();
  if (meta.depth === 'ushort') {
    const { data, info } = await base.toColourspace('rgb16').raw({ depth: 'ushort' }).toBuffer({ resolveWithObject: true });
    const v16 = new Uint16Array(data.buffer, data.byteOffset, data.length / 2);
    const out = new Uint8Array(v16.length);
    for (let i = 0; i < v16.length; i++) out[i] = Math.round(v16[i] / 257);
    return { data: out, width: info.width, height: info.height };
  }
  const { data, info } = await base.toColourspace('srgb').raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`${file}: decoded to ${info.channels} channels, expected 3`);
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
}

/** Decoded images kept up to a byte budget, least recently used dropped first; each file decoded once while kept. */
export class ImageCache {
  private readonly entries = new Map<string, Promise<Rgb8>>();
  private readonly sizes = new Map<string, number>();
  private bytes = 0;

  constructor(private readonly budget: number, private readonly decode: (file: string) => Promise<Rgb8> = decodeRgb8) {}

  get(file: string): Promise<Rgb8> {
    const hit = this.entries.get(file);
    if (hit) {
      this.entries.delete(file);
      this.entries.set(file, hit);
      return hit;
    }
    const p = this.decode(file).then(
      (img) => {
        if (this.entries.get(file) === p) this.account(file, img.data.length);
        return img;
      },
      (err: unknown) => {
        this.entries.delete(file);
        throw new Error(`cannot decode '${file}': ${err instanceof Error ? err.message : String(err)}`);
      },
    );
    this.entries.set(file, p);
    return p;
  }

  private account(file: string, size: number): void {
    this.sizes.set(file, size);
    this.bytes += size;
    for (const key of [...this.entries.keys()]) {
      if (this.bytes <= this.budget) break;
      const s = this.sizes.get(key);
      if (key === file || s === undefined) continue; // the newest, or still decoding
      this.entries.delete(key);
      this.sizes.delete(key);
      this.bytes -= s;
    }
  }

  get cachedBytes(): number {
    return this.bytes;
  }
}

/** The n x n window at (x, y). */
export function cropRgb(img: Rgb8, x: number, y: number, n: number): Uint8Array {
  const out = new Uint8Array(n * n * 3);
  for (let r = 0; r < n; r++) {
    const start = ((y + r) * img.width + x) * 3;
    out.set(img.data.subarray(start, start + n * 3), r * n * 3);
  }
  return out;
}

const dihedralMaps = new Map<string, Int32Array>();

/** For each output pixel, the source pixel of transform d of an n x n square (see dihedral). */
function dihedralMap(n: number, d: number): Int32Array {
  const key = `${n}/${d}`;
  let map = dihedralMaps.get(key);
  if (!map) {
    map = new Int32Array(n * n);
    for (let y = 0; y < n; y++) {
      for (let x = 0; x < n; x++) {
        let sy = y;
        let sx = x;
        for (let r = 0; r < (d & 3); r++) [sy, sx] = [sx, n - 1 - sy];
        if (d & 4) sx = n - 1 - sx;
        map[y * n + x] = sy * n + sx;
      }
    }
    dihedralMaps.set(key, map);
  }
  return map;
}

/**
 * Element d (0..7) of the dihedral group on an n x n RGB square: mirror left-right when d >= 4,
 * then rotate (d mod 4) quarter turns counter-clockwise (numpy's rot90). d = 0 is the identity.
 */
export function dihedral(src: Uint8Array, n: number, d: number): Uint8Array {
  if (d === 0) return src;
  const map = dihedralMap(n, d);
  const out = new Uint8Array(src.length);
  for (let i = 0; i < map.length; i++) {
    const s = map[i] * 3;
    out[i * 3] = src[s];
    out[i * 3 + 1] = src[s + 1];
    out[i * 3 + 2] = src[s + 2];
  }
  return out;
}

const LEVELS = Float32Array.from({ length: 256 }, (_, v) => v / 255);

/** Writes an n x n RGB square as 3 planes of v / 255 into `out` from `offset` (one sample of an NCHW batch). */
export function writePlanar(src: Uint8Array, n: number, out: Float32Array, offset: number): void {
  const plane = n * n;
  for (let i = 0; i < plane; i++) {
    out[offset + i] = LEVELS[src[i * 3]];
    out[offset + plane + i] = LEVELS[src[i * 3 + 1]];
    out[offset + 2 * plane + i] = LEVELS[src[i * 3 + 2]];
  }
}
