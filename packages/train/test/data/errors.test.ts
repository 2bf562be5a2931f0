/** Bad inputs: each a one-line error naming the file or folder, before any batch is made. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DataError, DataOptions, openBatchStream } from '../../src/data';
import { tmpDir, writeSolid } from './helpers';

const work = tmpDir('data-errors');
const good = path.join(work, 'good');
beforeAll(async () => {
  await writeSolid(path.join(good, 'a.png'), 40, 40);
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

const base: DataOptions = { task: 'denoise', clean: [good], batch: 2, crop: 32, seed: 0, workers: 0 };

async function failure(opts: Partial<DataOptions>): Promise<Error> {
  try {
    const stream = await openBatchStream({ ...base, ...opts }, 0);
    await stream.close();
  } catch (err) {
    expect((err as Error).message).not.toContain('\n');
    return err as Error;
  }
  throw new Error('openBatchStream did not fail');
}

test('an image smaller than the crop names the file and both sizes', async () => {
  const dir = path.join(work, 'small');
  await writeSolid(path.join(dir, 'big.png'), 64, 64);
  await writeSolid(path.join(dir, 'sub', 'tiny.jpg'), 64, 20, [10, 20, 30]);
  const err = await failure({ clean: [dir], crop: 48 });
  expect(err).toBeInstanceOf(DataError);
  expect(err.message).toBe(`image '${path.join(dir, 'sub', 'tiny.jpg')}' is 64x20, smaller than the 48x48 crop`);
});

test('sizes are read after EXIF orientation', async () => {
  const dir = path.join(work, 'exif');
  fs.mkdirSync(dir, { recursive: true });
  const sharp = (await import('sharp')).default;
  await sharp({ create: { width: 64, height: 40, channels: 3, background: '#888' } }).jpeg().withMetadata({ orientation: 6 }).toFile(path.join(dir, 'turned.jpg'));
  expect((await failure({ clean: [dir], crop: 48 })).message).toMatch(/turned\.jpg' is 40x64, smaller than the 48x48 crop$/);
});

test('an empty or missing clean folder, or a file given as a folder', async () => {
  const empty = path.join(work, 'empty');
  fs.mkdirSync(path.join(empty, 'sub'), { recursive: true });
  fs.writeFileSync(path.join(empty, 'notes.txt'), 'not an image');
  expect((await failure({ clean: [good, empty] })).message).toMatch(new RegExp(`^clean folder '${empty}' contains no images`));
  expect((await failure({ clean: [path.join(work, 'nowhere')] })).message).toBe(`clean folder '${path.join(work, 'nowhere')}' does not exist`);
  expect((await failure({ clean: [path.join(good, 'a.png')] })).message).toBe(`clean folder '${path.join(good, 'a.png')}' is not a folder`);
  expect((await failure({ clean: [] })).message).toBe("task 'denoise' needs folders of clean images (clean)");
});

test('an unreadable image names the file', async () => {
  const dir = path.join(work, 'broken');
  await writeSolid(path.join(dir, 'ok.png'), 40, 40);
  fs.writeFileSync(path.join(dir, 'broken.png'), 'this is not a PNG');
  expect((await failure({ clean: [dir] })).message).toMatch(new RegExp(`^cannot read image '${path.join(dir, 'broken.png')}': `));
});

test('derain pairs: a rainy image without its clean partner, or of another size', async () => {
  const dir = path.join(work, 'rain100l');
  await writeSolid(path.join(dir, 'rainy', 'rain-1.png'), 40, 40);
  await writeSolid(path.join(dir, 'gt', 'norain-1.png'), 40, 40);
  await writeSolid(path.join(dir, 'rainy', 'rain-2.png'), 40, 40);
  const err = await failure({ task: 'derain', derain: dir });
  expect(err.message).toBe(`derain pair: no clean image for '${path.join(dir, 'rainy', 'rain-2.png')}' (looked for norain-2.* or rain-2.* in '${path.join(dir, 'gt')}')`);
  await writeSolid(path.join(dir, 'gt', 'norain-2.png'), 40, 36);
  expect((await failure({ task: 'derain', derain: dir })).message).toBe(
    `derain pair '${path.join(dir, 'rainy', 'rain-2.png')}' is 40x40 but its clean image '${path.join(dir, 'gt', 'norain-2.png')}' is 40x36`,
  );
});

test('dehaze pairs: a hazy image without a clean scene; a folder of no known layout', async () => {
  const dir = path.join(work, 'sots');
  await writeSolid(path.join(dir, 'hazy', '0001_0.8_0.2.jpg'), 40, 40);
  await writeSolid(path.join(dir, 'gt', '0002.png'), 40, 40);
  expect((await failure({ task: 'dehaze', dehaze: dir })).message).toMatch(/^dehaze pair: no clean image for '.*0001_0\.8_0\.2\.jpg' \(looked for 0001_0\.8_0\.2\.\* or 0001\.\* in/);
  const odd = path.join(work, 'odd');
  await writeSolid(path.join(odd, 'pictures', 'x.png'), 40, 40);
  expect((await failure({ task: 'all-in-one', clean: [good], dehaze: odd })).message).toBe(
    `dehaze folder '${odd}' has none of the accepted layouts (synthetic/ + original/, hazy/ + gt/, hazy/ + clear/, input/ + target/, degraded/ + clean/)`,
  );
});

test('derain with synthetic rain off and no pairs; bad option values', async () => {
  expect((await failure({ task: 'derain', synthetic: false })).message).toBe("task 'derain' needs a derain folder of pairs (synthetic rain is switched off)");
  await expect(openBatchStream({ ...base, batch: 0 }, 0)).rejects.toThrow(RangeError);
  await expect(openBatchStream({ ...base, batch: 0 }, 0)).rejects.toThrow(/^batch: /);
  await expect(openBatchStream({ ...base, task: 'deblur' as never }, 0)).rejects.toThrow(/^task: expected one of/);
  await expect(openBatchStream({ ...base, sigmas: [-1] }, 0)).rejects.toThrow(/^sigmas: /);
  await expect(openBatchStream({ ...base, holdout: 1 }, 0)).rejects.toThrow(/^holdout: /);
  await expect(openBatchStream(base, -1)).rejects.toThrow(/^startIndex: /);
  const allInOne = { ...base, task: 'all-in-one' as const };
  await expect(openBatchStream({ ...allInOne, mix: { denoise: 1, derain: -1, dehaze: 1 } }, 0)).rejects.toThrow(/^mix: derain: expected a weight >= 0/);
  await expect(openBatchStream({ ...allInOne, mix: { denoise: 0, derain: 0, dehaze: 0 } }, 0)).rejects.toThrow('mix: all weights are 0');
  await expect(openBatchStream({ ...allInOne, mix: { denoise: 1, derain: 1, dehaze: 1, deblur: 1 } as never }, 0)).rejects.toThrow(/^mix: unknown task "deblur"/);
  await expect(openBatchStream({ ...base, task: 'denoise', mix: { denoise: 1, derain: 0, dehaze: 0 } }, 0)).rejects.toThrow(/^mix: only the all-in-one task/);
});
