/** The Restorer's padding and tiling around a stand-in runner that returns its input. */
import { createRestorer, planarImage, recommendedTiles } from '../src';
import { IdentityRunner, maxAbsDiff, testPattern } from './helpers';

describe('any image size runs as a multiple of 8 and comes back at its own size', () => {
  test.each([
    [1, 1],
    [13, 7],
    [3, 1000],
    [8, 8],
    [600, 37],
  ])('%ix%i (width x height)', async (width, height) => {
    const runner = new IdentityRunner();
    const image = planarImage(width, height, testPattern(width, height));
    const out = await createRestorer(runner).restore(image);
    expect([out.width, out.height]).toEqual([width, height]);
    expect(maxAbsDiff(out.data, image.data)).toBeLessThanOrEqual(runner.shapes.length === 1 ? 0 : 1e-6);
    for (const [n, c, h, w] of runner.shapes) expect([n, c, h % 8, w % 8]).toEqual([1, 3, 0, 0]);
  });
});

test('a 700x1030 image in 256-pixel tiles: every tile a multiple of 8, the blend reproduces the image', async () => {
  const runner = new IdentityRunner();
  const image = planarImage(700, 1030, testPattern(700, 1030));
  const progress: number[] = [];
  const out = await createRestorer(runner).restore(image, { tile: 256, overlap: 32, onProgress: (d, n) => progress.push(d / n) });
  expect(runner.shapes.length).toBeGreaterThan(1);
  expect(progress[progress.length - 1]).toBe(1);
  for (const [, , h, w] of runner.shapes) expect([h % 8, w % 8, h <= 264, w <= 264]).toEqual([0, 0, true, true]);
  expect(maxAbsDiff(out.data, image.data)).toBeLessThanOrEqual(1e-6);
});

test('an abort signal stops a tiled restoration between tiles', async () => {
  const runner = new IdentityRunner();
  const image = planarImage(700, 1030, testPattern(700, 1030));
  const aborter = new AbortController();
  const run = createRestorer(runner).restore(image, { tile: 256, overlap: 32, signal: aborter.signal, onProgress: (done) => done === 2 && aborter.abort() });
  await expect(run).rejects.toThrow(/aborted/i);
  expect(runner.shapes).toHaveLength(2);
  const already = new AbortController();
  already.abort();
  await expect(createRestorer(runner).restore(image, { signal: already.signal })).rejects.toThrow(/aborted/i);
});

test('runTensor checks its shape', async () => {
  const r = createRestorer(new IdentityRunner());
  await expect(async () => r.runTensor(new Float32Array(3 * 8 * 12), [1, 3, 8, 12])).rejects.toThrow(/multiples of 8/);
});

describe("the model's recommended tiling (metadata dynet.tile)", () => {
  const image = planarImage(200, 150, testPattern(200, 150));
  const sides = (runner: IdentityRunner) => runner.shapes.map(([, , h, w]) => Math.max(h, w));

  test('applies without a tile option: 200x150 in 64-pixel tiles', async () => {
    const runner = new IdentityRunner();
    await createRestorer(runner, { 'dynet.tile': '64', 'dynet.tile_overlap': '16' }).restore(image);
    expect(runner.shapes.length).toBeGreaterThan(4);
    // the last tile on an axis stretches up to tile + 7 samples, then pads to a multiple of 8
    expect(Math.max(...sides(runner))).toBeLessThanOrEqual(72);
  });

  test('an explicit tile (0: whole) wins over it', async () => {
    const runner = new IdentityRunner();
    await createRestorer(runner, { 'dynet.tile': '64' }).restore(image, { tile: 0 });
    expect(runner.shapes).toEqual([[1, 3, 152, 200]]);
  });

  test('without it, images up to DEFAULT_TILE run whole', async () => {
    const runner = new IdentityRunner();
    await createRestorer(runner, {}).restore(image);
    expect(runner.shapes).toHaveLength(1);
  });

  test('a recommendation the tiler cannot use is an error naming the metadata', () => {
    expect(() => recommendedTiles({ 'dynet.tile': '60' })).toThrow(/dynet\.tile=60.*multiple of 8/);
    expect(() => recommendedTiles({ 'dynet.tile': '64', 'dynet.tile_overlap': '40' })).toThrow(/dynet\.tile_overlap=40.*tile\/2/);
    expect(recommendedTiles({ 'dynet.tile': '64' })).toEqual({ tile: 64, overlap: 16 });
  });
});
