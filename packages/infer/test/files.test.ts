/** Finding inputs, planning outputs (never onto an input), staged writes, and evaluation pairs. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { denoiseItems, findImages, pairedItems, planRestore, StagedWrites } from '../src';
import { tmpDir } from './helpers';

let dir: string;
const touch = (...parts: string[]) => {
  const f = path.join(dir, ...parts);
  fs.mkdirSync(path.dirname(f), { recursive: true });
  fs.writeFileSync(f, 'x');
  return f;
};
beforeAll(() => {
  dir = tmpDir('files');
  for (const f of ['a.png', 'b.JPG', 'sub/c.webp', 'notes.txt', '.hidden.png']) touch('in', f);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test('folders are searched recursively for PNG, JPEG and WebP files, sorted; named files are taken as they are', () => {
  const found = findImages([path.join(dir, 'in'), path.join(dir, 'in', 'notes.txt')]);
  expect(found.map((f) => f.relative)).toEqual(['a.png', 'b.JPG', path.join('sub', 'c.webp'), 'notes.txt']);
  expect(() => findImages([path.join(dir, 'missing.png')])).toThrow(/missing\.png: no such file or folder/);
});

test('outputs mirror the input folder; one image may go to a file path', () => {
  const jobs = planRestore(findImages([path.join(dir, 'in')]), path.join(dir, 'out'));
  expect(jobs.map((j) => path.relative(dir, j.output))).toEqual(['out/a.png', 'out/b.JPG', 'out/sub/c.webp']);
  const one = planRestore(findImages([path.join(dir, 'in', 'a.png')]), path.join(dir, 'x.jpg'));
  expect([one[0].output, one[0].format]).toEqual([path.join(dir, 'x.jpg'), 'jpeg']);
  expect(() => planRestore(findImages([path.join(dir, 'in')]), path.join(dir, 'x.png'))).toThrow(/3 images to restore need an output folder/);
});

test('an output that is an input (also through a link) or that two inputs share is refused', () => {
  const input = path.join(dir, 'in', 'a.png');
  expect(() => planRestore(findImages([input]), input)).toThrow(/refusing to overwrite an input image/);
  expect(() => planRestore(findImages([path.join(dir, 'in')]), path.join(dir, 'in'))).toThrow(/refusing to overwrite an input image/);
  fs.symlinkSync(path.join(dir, 'in'), path.join(dir, 'link'));
  expect(() => planRestore(findImages([input]), path.join(dir, 'link'))).toThrow(/refusing to overwrite/);
  const twin = touch('other', 'a.png');
  expect(() => planRestore(findImages([input, twin]), path.join(dir, 'out'))).toThrow(/both .* and .* would be written there/);
});

test('staged writes appear all at once on commit, and not at all on abort', () => {
  const out = path.join(dir, 'staged', 'deep');
  const s = new StagedWrites();
  s.stage(path.join(out, 'one.png'), new Uint8Array([1]));
  s.stage(path.join(out, 'two.png'), new Uint8Array([2]));
  expect(fs.readdirSync(out).filter((f) => !f.startsWith('.'))).toEqual([]);
  s.commit();
  expect(fs.readdirSync(out).sort()).toEqual(['one.png', 'two.png']);
  const t = new StagedWrites();
  t.stage(path.join(dir, 'aborted', 'x', 'one.png'), new Uint8Array([1]));
  t.abort();
  expect(fs.existsSync(path.join(dir, 'aborted'))).toBe(false);
});

test('evaluation data: clean images for denoising; degraded/ and clean/ paired by name (SOTS names too)', () => {
  touch('pairs', 'degraded', '1.png');
  touch('pairs', 'degraded', '0002_0.8_0.2.jpg');
  touch('pairs', 'clean', '1.png');
  touch('pairs', 'clean', '0002.png');
  const items = pairedItems(path.join(dir, 'pairs'));
  expect(items.map((i) => [path.basename(i.degraded!), path.basename(i.clean)])).toEqual([
    ['0002_0.8_0.2.jpg', '0002.png'],
    ['1.png', '1.png'],
  ]);
  expect(denoiseItems(path.join(dir, 'pairs', 'clean')).map((i) => i.name)).toEqual(['0002.png', '1.png']);
  touch('pairs', 'degraded', '3.png');
  expect(() => pairedItems(path.join(dir, 'pairs'))).toThrow(/degraded\/3\.png: no clean image of the same name/);
  expect(() => pairedItems(path.join(dir, 'in'))).toThrow(/expected the folders degraded\/ and clean\//);
});
