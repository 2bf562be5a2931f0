/** Each degradation measured on stream output: noise statistics, haze, rain, the pre-training damage. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Batch, DataOptions, Rng, addGaussianNoise, maskPatches, openBatchStream } from '../../src/data';
import { photoFolder, sampleLevels, tmpDir } from './helpers';

const work = tmpDir('data-degrade');
const photos = path.join(work, 'photos');
beforeAll(async () => {
  await photoFolder(photos, 6, 96);
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

async function take(opts: Partial<DataOptions> & Pick<DataOptions, 'task'>, count: number): Promise<Batch[]> {
  const stream = await openBatchStream({ clean: [photos], batch: 8, crop: 64, seed: 4, workers: 2, ...opts }, 0);
  const out: Batch[] = [];
  for (let i = 0; i < count; i++) out.push(await stream.next());
  await stream.close();
  return out;
}

/** Every sample of the batches as (input, target) 8-bit interleaved pairs. */
function pairsOf(batches: Batch[], n: number) {
  return batches.flatMap((b) => b.samples.map((info, j) => ({ info, input: sampleLevels(b.input, j, n), target: sampleLevels(b.target, j, n) })));
}

function noiseOverMidGrey(batches: Batch[]): { mean: number; std: number; count: number } {
  let sum = 0;
  let sq = 0;
  let count = 0;
  for (const { input, target } of pairsOf(batches, 64)) {
    for (let i = 0; i < input.length; i++) {
      if (target[i] < 80 || target[i] > 175) continue; // 3 sigma from both ends: clipping is negligible
      const d = input[i] - target[i];
      sum += d;
      sq += d * d;
      count++;
    }
  }
  const mean = sum / count;
  return { mean, std: Math.sqrt(sq / count - mean * mean), count };
}

test('denoise sigma 25: (noisy - clean) * 255 over mid-grey pixels has std 25 (within 2%); values are multiples of 1/255', async () => {
  const batches = await take({ task: 'denoise', sigmas: [25] }, 6);
  const { mean, std, count } = noiseOverMidGrey(batches);
  expect(count).toBeGreaterThan(100000);
  expect(Math.abs(std - 25) / 25).toBeLessThan(0.02);
  // The authors truncate (astype(np.uint8)): floor(x + n) - x has mean -1/2; rounding would give 0.
  expect(Math.abs(mean + 0.5)).toBeLessThan(0.15);
  let off = 0;
  for (const v of batches[0].input) if (Math.fround(Math.round(v * 255) / 255) !== v) off++;
  expect(off).toBe(0);
  for (const s of batches.flatMap((b) => b.samples)) expect(s.params).toEqual({ sigma: 25, rounding: 'truncate' });
});

test("noiseRounding 'round': unbiased", async () => {
  const { mean, std } = noiseOverMidGrey(await take({ task: 'denoise', sigmas: [25], noiseRounding: 'round' }, 3));
  expect(Math.abs(mean)).toBeLessThan(0.15);
  expect(Math.abs(std - 25) / 25).toBeLessThan(0.03);
});

test('addGaussianNoise clips to [0, 255]', () => {
  const out = addGaussianNoise(new Uint8Array(3000).fill(3).fill(250, 1500), 50, new Rng(1));
  expect(out.slice(0, 1500).some((v) => v === 0)).toBe(true);
  expect(out.slice(1500).some((v) => v === 255)).toBe(true);
});

const luminance = (img: Uint8Array) => Float64Array.from({ length: img.length / 3 }, (_, i) => 0.299 * img[i * 3] + 0.587 * img[i * 3 + 1] + 0.114 * img[i * 3 + 2]);
const std = (xs: ArrayLike<number>) => {
  const m = Array.prototype.reduce.call(xs, (a: number, b: number) => a + b, 0) as number / xs.length;
  return Math.sqrt((Array.prototype.reduce.call(xs, (a: number, b: number) => a + (b - m) ** 2, 0) as number) / xs.length);
};

/** He et al.'s dark channel: min over RGB, then min over a 7x7 window (separable); the mean over the image. */
function darkChannelMean(img: Uint8Array, n: number): number {
  const lo = (a: number, b: number) => (a < b ? a : b);
  const mins = new Uint8Array(n * n);
  for (let i = 0; i < n * n; i++) mins[i] = lo(lo(img[i * 3], img[i * 3 + 1]), img[i * 3 + 2]);
  const rows = new Uint8Array(n * n);
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) {
      let m = 255;
      for (let d = -3; d <= 3; d++) if (x + d >= 0 && x + d < n) m = lo(m, mins[y * n + x + d]);
      rows[y * n + x] = m;
    }
  }
  let total = 0;
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) {
      let m = 255;
      for (let d = -3; d <= 3; d++) if (y + d >= 0 && y + d < n) m = lo(m, rows[(y + d) * n + x]);
      total += m;
    }
  }
  return total / (n * n);
}

test('synthetic haze lowers contrast and raises the dark channel of every sample', async () => {
  const samples = pairsOf(await take({ task: 'dehaze' }, 2), 64);
  for (const { input, target, info } of samples) {
    expect(info.kind).toBe('dehaze');
    expect(info.source).toBe('synthetic');
    expect(std(luminance(input))).toBeLessThan(std(luminance(target)));
    expect(darkChannelMean(input, 64)).toBeGreaterThan(darkChannelMean(target, 64) + 10);
    const a = info.params.airlight as number[];
    expect(a.every((v) => v >= 0.7 && v <= 1)).toBe(true);
  }
});

test('synthetic rain only brightens, in sparse bright streaks', async () => {
  const samples = pairsOf(await take({ task: 'derain' }, 2), 64);
  let brightTotal = 0;
  for (const { input, target } of samples) {
    let darker = 0;
    let raised = 0;
    for (let p = 0; p < input.length; p += 3) {
      const d = Math.max(input[p] - target[p], input[p + 1] - target[p + 1], input[p + 2] - target[p + 2]);
      if (input[p] < target[p] || input[p + 1] < target[p + 1] || input[p + 2] < target[p + 2]) darker++;
      if (d >= 10) raised++;
      if (d >= 40) brightTotal++;
    }
    expect(darker).toBe(0);
    expect(raised / (64 * 64)).toBeLessThan(0.5);
  }
  expect(brightTotal / (samples.length * 64 * 64)).toBeGreaterThan(0.01);
});

test('pretrain: ~30% of the pixels masked to 0, the damage confined to a rectangle of half the area', async () => {
  const n = 64;
  const samples = pairsOf(await take({ task: 'pretrain' }, 6), n);
  const kinds = new Set<string>();
  let maskedTotal = 0;
  for (const { input, target, info } of samples) {
    const [rx, ry, rw, rh] = info.params.region as number[];
    const kind = info.params.kind as string;
    kinds.add(kind);
    expect(Math.abs((rw * rh) / (n * n) - 0.5)).toBeLessThan(0.03);
    let masked = 0;
    let outsideChanged = 0;
    let inside = 0;
    let changedInside = 0;
    for (let y = 0; y < n; y++) {
      for (let x = 0; x < n; x++) {
        const p = (y * n + x) * 3;
        if (input[p] === 0 && input[p + 1] === 0 && input[p + 2] === 0) {
          masked++;
          continue;
        }
        const differs = input[p] !== target[p] || input[p + 1] !== target[p + 1] || input[p + 2] !== target[p + 2];
        const inRegion = x >= rx && x < rx + rw && y >= ry && y < ry + rh;
        if (!inRegion) outsideChanged += differs ? 1 : 0;
        else {
          inside++;
          if (differs) changedInside++;
        }
      }
    }
    maskedTotal += masked;
    expect(outsideChanged).toBe(0);
    expect(masked / (n * n)).toBeGreaterThanOrEqual(0.3);
    expect(masked / (n * n)).toBeLessThan(0.36);
    // Every kind but salt-and-pepper changes nearly every pixel of the region.
    if (kind === 'salt-pepper') expect(changedInside / inside).toBeLessThan((info.params.level as number) + 0.1);
    else expect(changedInside / inside).toBeGreaterThan(0.6);
  }
  expect(maskedTotal / (samples.length * n * n)).toBeLessThan(0.33);
  expect([...kinds].sort()).toEqual(['gaussian', 'jpeg', 'salt-pepper', 'uniform']);
});

test('maskPatches masks whole patches up to the fraction', () => {
  const img = new Uint8Array(128 * 128 * 3).fill(9);
  const masked = maskPatches(img, 128, 8, 0.3, new Rng(3));
  expect(masked).toBe(77 * 64); // 256 patches of 64 px, the first count reaching 30%
  expect(img.filter((v) => v === 0).length).toBe(masked * 3);
});
