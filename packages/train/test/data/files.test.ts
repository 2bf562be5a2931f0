/** Listing, holdout, the paired layouts and decoding (16-bit, grey, EXIF). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { decodeRgb8, listImages, matchPairs, openBatchStream, splitHoldout } from '../../src/data';
import { sampleLevels, testPixels, tmpDir, writePng16, writeRgbPng, writeSolid } from './helpers';

const work = tmpDir('data-files');
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

const touch = (dir: string, files: string[]) => {
  for (const f of files) {
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.writeFileSync(path.join(dir, f), '');
  }
};

test('listImages: recursive, images only (any case), no dot files, sorted', () => {
  const dir = path.join(work, 'list');
  touch(dir, ['z.PNG', 'b/y.jpeg', 'b/a/x.webp', 'notes.txt', 'm.Jpg', '.hidden.png', 'c.tif']);
  expect(listImages(dir).map((f) => path.relative(dir, f))).toEqual(['b/a/x.webp', 'b/y.jpeg', 'c.tif', 'm.Jpg', 'z.PNG'].map((f) => path.join(...f.split('/'))));
});

test('splitHoldout: by name only, stable as files are added, about the fraction', () => {
  const names = Array.from({ length: 2000 }, (_, i) => `/data/img${i}.png`);
  const { train, holdout } = splitHoldout(names, 0.2);
  expect(train.length + holdout.length).toBe(2000);
  expect(Math.abs(holdout.length - 400)).toBeLessThan(60);
  const more = splitHoldout([...names, '/data/new1.png', '/data/new2.png'], 0.2);
  expect(more.holdout.filter((f) => !f.includes('new'))).toEqual(holdout);
  expect(splitHoldout(names.map((f) => f.replace('/data/', '/elsewhere/')), 0.2).holdout.map((f) => path.basename(f))).toEqual(holdout.map((f) => path.basename(f)));
  expect(splitHoldout(names.slice(0, 3), 0.01).holdout).toHaveLength(1); // never empty when asked for
  expect(splitHoldout(names, 0).holdout).toEqual([]);
  expect(() => splitHoldout(names, 1)).toThrow(RangeError);
});

test('paired layouts: Rain100L, RESIDE OTS, SOTS, input/target, degraded/clean', () => {
  const rel = (dir: string) => (p: { degraded: string; clean: string }) => [path.relative(dir, p.degraded), path.relative(dir, p.clean)].map((f) => f.split(path.sep).join('/'));
  const rain = path.join(work, 'Rain100L');
  touch(rain, ['rainy/rain-1.png', 'rainy/rain-10.png', 'gt/norain-1.png', 'gt/norain-10.png']);
  expect(matchPairs(rain, 'derain').map(rel(rain))).toEqual([['rainy/rain-1.png', 'gt/norain-1.png'], ['rainy/rain-10.png', 'gt/norain-10.png']]);
  const ots = path.join(work, 'OTS');
  touch(ots, ['synthetic/part1/0025_0.8_0.04.jpg', 'synthetic/part2/0025_1_0.2.jpg', 'original/0025.jpg']);
  expect(matchPairs(ots, 'dehaze').map(rel(ots))).toEqual([['synthetic/part1/0025_0.8_0.04.jpg', 'original/0025.jpg'], ['synthetic/part2/0025_1_0.2.jpg', 'original/0025.jpg']]);
  const sots = path.join(work, 'SOTS');
  touch(sots, ['hazy/0001_0.8_0.2.jpg', 'gt/0001.png']);
  expect(matchPairs(sots, 'dehaze').map(rel(sots))).toEqual([['hazy/0001_0.8_0.2.jpg', 'gt/0001.png']]);
  const test = path.join(work, 'test-derain');
  touch(test, ['input/1.png', 'target/1.png']);
  expect(matchPairs(test, 'derain').map(rel(test))).toEqual([['input/1.png', 'target/1.png']]);
  const plain = path.join(work, 'plain');
  touch(plain, ['degraded/a/x.png', 'clean/a/x.png', 'degraded/y.jpg', 'clean/y.png']);
  expect(matchPairs(plain, 'dehaze').map(rel(plain))).toEqual([['degraded/a/x.png', 'clean/a/x.png'], ['degraded/y.jpg', 'clean/y.png']]);
});

test('a real pair: input and target are the same window of the two images', async () => {
  const dir = path.join(work, 'pair');
  const w = 40;
  const clean = testPixels(w * w * 3, 3);
  await writeRgbPng(path.join(dir, 'clean', 'p.png'), clean, w, w);
  await writeRgbPng(path.join(dir, 'degraded', 'p.png'), clean.map((v) => v >> 1), w, w);
  const stream = await openBatchStream({ task: 'dehaze', dehaze: dir, batch: 6, crop: 24, seed: 1, workers: 2 }, 0);
  expect(stream.summary).toMatchObject({ dehazePairs: 1, clean: 0, epochSamples: 1 });
  const b = await stream.next();
  await stream.close();
  b.samples.forEach((s, j) => {
    expect(s).toMatchObject({ kind: 'dehaze', source: 'pair' });
    const input = sampleLevels(b.input, j, 24);
    const target = sampleLevels(b.target, j, 24);
    expect(input.every((v, i) => v === target[i] >> 1)).toBe(true);
  });
});

test('decoding: 16-bit PNG scaled as round(v / 257); grey becomes RGB; EXIF orientation applied', async () => {
  const v16 = Uint16Array.from([0, 257, 65535, 32896, 128, 129, 383, 386, 65280, 1000, 60000, 12345]);
  writePng16(path.join(work, 'deep.png'), v16, 2, 2);
  const deep = await decodeRgb8(path.join(work, 'deep.png'));
  expect([deep.width, deep.height]).toEqual([2, 2]);
  expect(Array.from(deep.data)).toEqual(Array.from(v16, (v) => Math.round(v / 257)));
  await sharp(Buffer.from([0, 50, 100, 255]), { raw: { width: 2, height: 2, channels: 1 } }).png().toFile(path.join(work, 'grey.png'));
  expect(Array.from((await decodeRgb8(path.join(work, 'grey.png'))).data)).toEqual([0, 0, 0, 50, 50, 50, 100, 100, 100, 255, 255, 255]);
  await sharp({ create: { width: 6, height: 2, channels: 3, background: '#808080' } }).png().withMetadata({ orientation: 6 }).toFile(path.join(work, 'turned.png'));
  const turned = await decodeRgb8(path.join(work, 'turned.png'));
  expect([turned.width, turned.height]).toEqual([2, 6]);
  await writeSolid(path.join(work, 'alpha', 'a.png'), 3, 3);
  await sharp({ create: { width: 3, height: 3, channels: 4, background: { r: 10, g: 20, b: 30, alpha: 0.5 } } }).png().toFile(path.join(work, 'rgba.png'));
  expect(Array.from((await decodeRgb8(path.join(work, 'rgba.png'))).data.slice(0, 3))).toEqual([10, 20, 30]);
});
