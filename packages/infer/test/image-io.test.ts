/**
 * Image files through a Restorer whose network returns its input: every PNG flavour comes back
 * sample for sample in its own layout, JPEG's EXIF orientation is applied, WebP works, odd sizes
 * survive; unreadable files are refused naming the file.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { createRestorer, readImage, restoreImageFile } from '../src';
import { IdentityRunner, tmpDir } from './helpers';

let dir: string;
beforeAll(() => (dir = tmpDir('image-io')));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const identity = createRestorer(new IdentityRunner());

async function writeRaw(name: string, width: number, height: number, channels: 1 | 2 | 3 | 4, sixteen: boolean): Promise<string> {
  const n = width * height * channels;
  const samples = sixteen ? Uint16Array.from({ length: n }, (_, i) => (i * 7919) % 65536) : Uint8Array.from({ length: n }, (_, i) => (i * 31) % 256);
  const space = channels <= 2 ? (sixteen ? 'grey16' : 'b-w') : sixteen ? 'rgb16' : 'srgb';
  const file = path.join(dir, name);
  await sharp(samples, { raw: { width, height, channels } }).toColourspace(space).png().toFile(file);
  return file;
}

async function roundTrip(file: string, format?: 'png' | 'jpeg' | 'webp'): Promise<string> {
  const out = path.join(dir, `out-${path.basename(file)}${format ? `.${format}` : ''}`);
  fs.writeFileSync(out, await restoreImageFile(identity, file, format));
  return out;
}

describe('PNG flavours round-trip sample for sample through an identity network', () => {
  test.each([
    ['grey 8-bit', 1, false],
    ['grey+alpha 8-bit', 2, false],
    ['RGB 8-bit', 3, false],
    ['RGBA 8-bit', 4, false],
    ['grey 16-bit', 1, true],
    ['grey+alpha 16-bit', 2, true],
    ['RGB 16-bit', 3, true],
    ['RGBA 16-bit', 4, true],
  ] as const)('%s', async (label, channels, sixteen) => {
    const file = await writeRaw(`${label.replace(/\W+/g, '-')}.png`, 11, 6, channels, sixteen);
    const input = await readImage(file);
    expect([input.pixels.channels, input.pixels.bitDepth]).toEqual([channels, sixteen ? 16 : 8]);
    const output = await readImage(await roundTrip(file));
    expect(output.format).toBe('png');
    expect([output.pixels.channels, output.pixels.bitDepth, output.pixels.width, output.pixels.height]).toEqual([channels, sixteen ? 16 : 8, 11, 6]);
    expect(Array.from(output.pixels.samples)).toEqual(Array.from(input.pixels.samples));
  });
});

test.each([
  [1, 1],
  [7, 13],
  [1000, 3],
  [3, 1000],
])('odd size %ix%i RGBA round-trips', async (width, height) => {
  const file = await writeRaw(`odd-${width}x${height}.png`, width, height, 4, false);
  const output = await readImage(await roundTrip(file));
  expect([output.pixels.width, output.pixels.height]).toEqual([width, height]);
  expect(Array.from(output.pixels.samples)).toEqual(Array.from((await readImage(file)).pixels.samples));
});

test('JPEG with EXIF orientation 6: the pixels are turned upright and written without the tag', async () => {
  const [w, h] = [40, 24];
  const raw = Uint8Array.from({ length: w * h * 3 }, (_, i) => {
    const x = Math.floor(i / 3) % w;
    const c = i % 3;
    return x < w / 2 ? (c === 0 ? 230 : 20) : c === 2 ? 230 : 20; // left red, right blue
  });
  const file = path.join(dir, 'rotated.jpg');
  await sharp(raw, { raw: { width: w, height: h, channels: 3 } }).jpeg({ quality: 95 }).withMetadata({ orientation: 6 }).toFile(file);
  const out = await roundTrip(file);
  const meta = await sharp(out).metadata();
  expect([meta.format, meta.width, meta.height, meta.orientation ?? 1]).toEqual(['jpeg', h, w, 1]);
  const { pixels } = await readImage(out);
  const at = (x: number, y: number) => Array.from(pixels.samples.subarray((y * h + x) * 3, (y * h + x) * 3 + 3));
  expect(at(12, 5)[0]).toBeGreaterThan(200); // the left half is now on top
  expect(at(12, 34)[2]).toBeGreaterThan(200);
});

test('grey JPEG stays grey; WebP with alpha keeps its alpha; a PNG can be written as JPEG', async () => {
  const grey = path.join(dir, 'grey.jpg');
  await sharp(Uint8Array.from({ length: 64 }, (_, i) => i * 4), { raw: { width: 8, height: 8, channels: 1 } }).toColourspace('b-w').jpeg().toFile(grey);
  expect((await readImage(await roundTrip(grey))).pixels.channels).toBe(1);

  const webp = path.join(dir, 'alpha.webp');
  await sharp(Uint8Array.from({ length: 9 * 5 * 4 }, (_, i) => (i * 37) % 256), { raw: { width: 9, height: 5, channels: 4 } }).webp({ lossless: true }).toFile(webp);
  const a = (await readImage(webp)).pixels;
  const b = (await readImage(await roundTrip(webp))).pixels;
  expect([b.channels, b.width, b.height]).toEqual([4, 9, 5]);
  expect(Array.from(b.samples).filter((_, i) => i % 4 === 3)).toEqual(Array.from(a.samples).filter((_, i) => i % 4 === 3));

  const png16 = await writeRaw('to-jpeg.png', 8, 8, 3, true);
  const meta = await sharp(await roundTrip(png16, 'jpeg')).metadata();
  expect([meta.format, meta.depth]).toEqual(['jpeg', 'uchar']);
});

describe('unreadable files are refused naming the file', () => {
  test.each([
    ['a truncated PNG', 'cut.png', async (f: string) => fs.writeFileSync(f, fs.readFileSync(await writeRaw('whole.png', 64, 64, 3, false)).subarray(0, 300))],
    ['a truncated JPEG', 'cut.jpg', async (f: string) => {
      const whole = await sharp(Uint8Array.from({ length: 64 * 64 * 3 }, (_, i) => (i * 13) % 256), { raw: { width: 64, height: 64, channels: 3 } }).jpeg().toBuffer();
      fs.writeFileSync(f, whole.subarray(0, Math.floor(whole.length / 2)));
    }],
    ['a PNG with corrupt data', 'corrupt.png', async (f: string) => {
      const bytes = Buffer.from(fs.readFileSync(await writeRaw('whole2.png', 64, 64, 3, false)));
      for (let i = 60; i < bytes.length - 20; i++) bytes[i] ^= 0x5a;
      fs.writeFileSync(f, bytes);
    }],
    ['a text file', 'notes.png', async (f: string) => fs.writeFileSync(f, 'not an image\n')],
    ['an empty file', 'empty.jpg', async (f: string) => fs.writeFileSync(f, '')],
  ])('%s', async (_, name, make) => {
    const file = path.join(dir, name);
    await make(file);
    await expect(readImage(file)).rejects.toThrow(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: cannot read the image \\(.+\\)$`));
  });
});
