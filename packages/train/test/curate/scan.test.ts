/** Scanning, keys and shards: the deterministic order and split that resume and merge rely on. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseShard, scanImages, shardOf } from '../../src/curate';
import { checkRoots } from '../../src/curate/scan';
import { patchGrid, patchPath } from '../../src/curate/patches';
import { tmpDir } from './helpers';

const work = tmpDir('scan');
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

test('parseShard accepts i/N with 1 <= i <= N and refuses the rest', () => {
  expect(parseShard('1/1')).toEqual({ index: 1, count: 1 });
  expect(parseShard(' 3 / 4 ')).toEqual({ index: 3, count: 4 });
  for (const bad of ['0/2', '3/2', '1/0', '1', 'a/b', '1/2/3', '-1/2', '1.5/2']) expect(() => parseShard(bad)).toThrow(/^--shard must be i\/N/);
});

test('shardOf: fixed by the key alone, every shard gets about 1/N of 4000 keys', () => {
  expect(shardOf('0/a/b.jpg', 4)).toBe(shardOf('0/a/b.jpg', 4));
  const counts = [0, 0, 0, 0];
  for (let i = 0; i < 4000; i++) counts[shardOf(`0/img${i}.jpg`, 4) - 1]++;
  for (const c of counts) expect(Math.abs(c - 1000)).toBeLessThan(120);
});

test('scanImages: recursive, image extensions in any case, keys <root index>/<relative path>, sorted', () => {
  const a = path.join(work, 'a');
  const b = path.join(work, 'b');
  for (const f of ['z.PNG', 'sub/y.jpeg', 'sub/deeper/x.webp', 'notes.txt', 'm.Jpg']) {
    fs.mkdirSync(path.dirname(path.join(a, f)), { recursive: true });
    fs.writeFileSync(path.join(a, f), '');
  }
  fs.mkdirSync(b);
  fs.writeFileSync(path.join(b, 'a.tif'), '');
  fs.symlinkSync(path.join(a, 'z.PNG'), path.join(b, 'link.png'));
  fs.symlinkSync(a, path.join(b, 'loop'));
  const keys = scanImages([a, b]).map((e) => e.key);
  expect(keys).toEqual(['0/m.Jpg', '0/sub/deeper/x.webp', '0/sub/y.jpeg', '0/z.PNG', '1/a.tif', '1/link.png']);
  expect(scanImages([a])[0].source).toBe(path.join(a, 'm.Jpg'));
});

test('checkRoots refuses a missing folder, a file, nested roots and an output inside an input', () => {
  const a = path.join(work, 'r');
  fs.mkdirSync(path.join(a, 'inner'), { recursive: true });
  fs.writeFileSync(path.join(work, 'f'), '');
  expect(() => checkRoots([path.join(work, 'missing')])).toThrow(/no such folder/);
  expect(() => checkRoots([path.join(work, 'f')])).toThrow(/not a folder/);
  expect(() => checkRoots([a, path.join(a, 'inner')])).toThrow(/lies inside --in/);
  expect(() => checkRoots([a], path.join(a, 'out'))).toThrow(/overlap/);
  expect(() => checkRoots([])).toThrow(/at least one folder/);
});

test('patchGrid 600x300 size 256: whole tiles from (0,0), row by row; patchPath is fanned out by key hash', () => {
  expect(patchGrid(600, 300, 256)).toEqual([{ x: 0, y: 0 }, { x: 256, y: 0 }]);
  expect(patchGrid(200, 900, 256)).toEqual([]);
  expect(patchPath('0/a.png', { x: 512, y: 0 })).toMatch(/^patches\/([0-9a-f]{2})\/\1[0-9a-f]{14}_512_0\.png$/);
});
