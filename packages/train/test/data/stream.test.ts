/** The batch stream: reproducible from (options, k), in order, every image once per epoch, all 8 flips/rotations. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Batch, DataOptions, openBatchStream, splitHoldout } from '../../src/data';
import { allDihedral, equalBytes, photoFolder, sampleLevels, testPixels, tmpDir, writeRgbPng } from './helpers';

const work = tmpDir('data-stream');
const photos = path.join(work, 'photos');
let files: string[] = [];
beforeAll(async () => {
  files = (await photoFolder(photos, 8, 80)).sort();
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

async function take(opts: DataOptions, start: number, count: number): Promise<Batch[]> {
  const stream = await openBatchStream(opts, start);
  try {
    const out: Batch[] = [];
    for (let i = 0; i < count; i++) out.push(await stream.next());
    return out;
  } finally {
    await stream.close();
  }
}

const sameBits = (a: Float32Array, b: Float32Array) => Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;

describe.each(['all-in-one', 'pretrain'] as const)('task %s, batch 3, crop 48', (task) => {
  const opts = (o: Partial<DataOptions> = {}): DataOptions => ({ task, clean: [photos], batch: 3, crop: 48, seed: 11, workers: 2, ...o });

  test('same seed: identical batches, whether 2 workers, 1 or none; a stream started at 5 gives batch 5 bit for bit', async () => {
    const a = await take(opts(), 0, 7);
    const b = await take(opts({ workers: 1, prefetch: 1 }), 0, 7);
    const c = await take(opts({ workers: 0 }), 5, 2);
    expect(a.map((x) => x.index)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(c.map((x) => x.index)).toEqual([5, 6]);
    for (let k = 0; k < 7; k++) {
      expect(a[k].input).toHaveLength(3 * 3 * 48 * 48);
      expect(sameBits(a[k].input, b[k].input) && sameBits(a[k].target, b[k].target)).toBe(true);
    }
    expect(sameBits(c[0].input, a[5].input) && sameBits(c[0].target, a[5].target)).toBe(true);
    expect(sameBits(c[1].input, a[6].input)).toBe(true);
    expect(c[0].samples).toEqual(a[5].samples);
  });

  test('different seeds give different batches', async () => {
    const [a] = await take(opts(), 0, 1);
    const [b] = await take(opts({ seed: 12 }), 0, 1);
    expect(sameBits(a.input, b.input)).toBe(false);
    expect(sameBits(a.target, b.target)).toBe(false);
  });
});

test('values lie in [0, 1]; targets are the clean crops, unchanged 8-bit levels', async () => {
  const [b] = await take({ task: 'all-in-one', clean: [photos], batch: 4, crop: 32, seed: 3, workers: 0 }, 0, 1);
  let bad = 0;
  for (const v of [...b.input, ...b.target]) if (!(v >= 0 && v <= 1) || Math.fround(Math.round(v * 255) / 255) !== v) bad++;
  expect(bad).toBe(0);
});

test('denoise: each epoch visits every clean image once (a permutation per epoch)', async () => {
  // 8 images, batch 4: batches 0-1 are epoch 0, batches 2-3 epoch 1.
  const batches = await take({ task: 'denoise', clean: [photos], batch: 4, crop: 32, seed: 5, workers: 0 }, 0, 4);
  const used = batches.flatMap((b) => b.samples.map((s) => s.clean));
  expect([...used.slice(0, 8)].sort()).toEqual(files);
  expect([...used.slice(8, 16)].sort()).toEqual(files);
  expect(used.slice(0, 8)).not.toEqual(used.slice(8, 16));
});

test('all-in-one draws denoise (one entry per sigma), derain and dehaze uniformly', async () => {
  const batches = await take({ task: 'all-in-one', clean: [photos], batch: 25, crop: 16, seed: 9, workers: 0 }, 0, 8);
  const counts: Record<string, number> = {};
  for (const s of batches.flatMap((b) => b.samples)) {
    const key = s.kind === 'denoise' ? `denoise-${s.params.sigma}` : s.kind;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  expect(Object.keys(counts).sort()).toEqual(['dehaze', 'denoise-15', 'denoise-25', 'denoise-50', 'derain']);
  for (const c of Object.values(counts)) expect(Math.abs(c - 40)).toBeLessThan(20); // 200 draws, 1/5 each
});

test('a task mix weights the draw: denoise=0,derain=3,dehaze=1 gives no noise and three rain samples to one haze', async () => {
  const opts: DataOptions = { task: 'all-in-one', clean: [photos], batch: 25, crop: 16, seed: 9, workers: 0, mix: { denoise: 0, derain: 3, dehaze: 1 } };
  const batches = await take(opts, 0, 8);
  const kinds = batches.flatMap((b) => b.samples.map((s) => s.kind));
  expect(kinds).not.toContain('denoise');
  const rain = kinds.filter((k) => k === 'derain').length;
  expect(rain + kinds.filter((k) => k === 'dehaze').length).toBe(200);
  expect(Math.abs(rain - 150)).toBeLessThan(25); // 200 draws, 3/4 rain
  // the mix is part of what a batch is a function of: the same options repeat it bit for bit
  const [again] = await take(opts, 3, 1);
  expect(sameBits(again.input, batches[3].input)).toBe(true);
});

test('flips and rotations: all 8 appear, each label always the same transform', async () => {
  const n = 12;
  const dir = path.join(work, 'flip');
  const pixels = testPixels(n * n * 3);
  await writeRgbPng(path.join(dir, 'square.png'), pixels, n, n); // the crop is the whole image
  const batches = await take({ task: 'denoise', sigmas: [0], clean: [dir], batch: 16, crop: n, seed: 1, workers: 0 }, 0, 4);
  const variants = allDihedral(pixels, n);
  const byLabel = new Map<number, number>();
  for (const b of batches) {
    b.samples.forEach((s, j) => {
      const target = sampleLevels(b.target, j, n);
      expect(equalBytes(sampleLevels(b.input, j, n), target)).toBe(true); // sigma 0
      const which = variants.findIndex((v) => equalBytes(v, target));
      expect(which).toBeGreaterThanOrEqual(0);
      expect(byLabel.get(s.dihedral) ?? which).toBe(which);
      byLabel.set(s.dihedral, which);
    });
  }
  expect(new Set(byLabel.values()).size).toBe(8);
});

test('holdout: held-out images never appear in the stream; the split depends on names only', async () => {
  const { train, holdout } = splitHoldout(files, 0.3);
  expect(holdout.length).toBeGreaterThan(0);
  const stream = await openBatchStream({ task: 'denoise', clean: [photos], batch: 4, crop: 32, seed: 2, workers: 0, holdout: 0.3 }, 0);
  expect(stream.summary).toMatchObject({ clean: train.length, holdout: holdout.length, epochSamples: train.length });
  for (let i = 0; i < 4; i++) for (const s of (await stream.next()).samples) expect(train).toContain(s.clean);
  await stream.close();
  await expect(stream.next()).rejects.toThrow(/closed/);
});
