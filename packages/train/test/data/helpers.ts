/** Shared by the data-pipeline tests: small photo copies, hand-made images, reading batches back. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import sharp from 'sharp';
import { SHARED, tmpDir } from '../../../../test/helpers';

export { tmpDir };
export const PHOTOS = path.join(SHARED, 'datasets', 'photos');

/** Copies of `count` sample photos (spread over the sources), scaled so the shorter side is `side` px. */
export async function photoFolder(dir: string, count: number, side: number): Promise<string[]> {
  fs.mkdirSync(dir, { recursive: true });
  const names = fs.readdirSync(PHOTOS).filter((f) => f.endsWith('.png')).sort();
  const picked = Array.from({ length: count }, (_, i) => names[Math.floor((i * names.length) / count)]);
  return Promise.all(
    picked.map(async (name) => {
      const to = path.join(dir, name);
      await sharp(path.join(PHOTOS, name)).resize(side, side, { fit: 'outside' }).png().toFile(to);
      return to;
    }),
  );
}

/** Deterministic test pixels (an LCG), independent of the code under test. */
export function testPixels(count: number, seed = 7): Uint8Array {
  const out = new Uint8Array(count);
  let s = seed >>> 0;
  for (let i = 0; i < count; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s >>> 24;
  }
  return out;
}

export async function writeRgbPng(file: string, data: Uint8Array, width: number, height: number): Promise<void> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  await sharp(Buffer.from(data), { raw: { width, height, channels: 3 } }).png().toFile(file);
}

/** A solid-colour image of any size and format sharp writes. */
export async function writeSolid(file: string, width: number, height: number, rgb: [number, number, number] = [128, 128, 128]): Promise<void> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  await sharp({ create: { width, height, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } }).toFile(file);
}

function crc32(buf: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of buf) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? 0xedb88320 ^ (crc >>> 1) : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** A 16-bit RGB PNG written byte by byte (sharp cannot be told to write one from raw samples). */
export function writePng16(file: string, values: Uint16Array, width: number, height: number): void {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 16; // bit depth
  ihdr[9] = 2; // colour type RGB
  const raw = Buffer.alloc(height * (1 + width * 6));
  let o = 0;
  for (let y = 0; y < height; y++) {
    raw[o++] = 0;
    for (let x = 0; x < width * 3; x++, o += 2) raw.writeUInt16BE(values[y * width * 3 + x], o);
  }
  const sig = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]);
  fs.writeFileSync(file, Buffer.concat([sig, chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]));
}

/** Sample j of an NCHW batch as interleaved 8-bit levels (v * 255, which must be whole). */
export function sampleLevels(planes: Float32Array, j: number, n: number): Uint8Array {
  const size = 3 * n * n;
  const out = new Uint8Array(size);
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < n * n; i++) out[i * 3 + c] = Math.round(planes[j * size + c * n * n + i] * 255);
  }
  return out;
}

/** The 8 flips/rotations of an n x n interleaved RGB square, computed plainly (rot90 and mirror). */
export function allDihedral(src: Uint8Array, n: number): Uint8Array[] {
  const rot = (a: Uint8Array) => {
    const out = new Uint8Array(a.length);
    for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) for (let c = 0; c < 3; c++) out[(y * n + x) * 3 + c] = a[(x * n + (n - 1 - y)) * 3 + c];
    return out;
  };
  const mirror = (a: Uint8Array) => {
    const out = new Uint8Array(a.length);
    for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) for (let c = 0; c < 3; c++) out[(y * n + x) * 3 + c] = a[(y * n + (n - 1 - x)) * 3 + c];
    return out;
  };
  const out: Uint8Array[] = [];
  for (const start of [src, mirror(src)]) {
    let a = start;
    for (let r = 0; r < 4; r++, a = rot(a)) out.push(a);
  }
  return out;
}

export const equalBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;
