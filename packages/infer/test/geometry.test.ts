/** Reflect padding, cropping and the tile layout and blend weights. */
import { axisSpans, cropTopLeft, padRegion, planarImage, planTiles, reflectIndex } from '../src';
import { axisWeights } from '../src/core/tile-blender';

describe('reflectIndex matches numpy.pad(mode="reflect")', () => {
  test.each([
    [3, 8, [0, 1, 2, 1, 0, 1, 2, 1]],
    [1, 8, [0, 0, 0, 0, 0, 0, 0, 0]],
    [2, 8, [0, 1, 0, 1, 0, 1, 0, 1]],
    [7, 8, [0, 1, 2, 3, 4, 5, 6, 5]],
  ])('n=%i padded to %i', (n, to, expected) => {
    expect(Array.from({ length: to }, (_, i) => reflectIndex(i, n))).toEqual(expected);
  });
});

test('padRegion 7x13 -> 8x16 reflects bottom and right, cropTopLeft undoes it', () => {
  const img = planarImage(13, 7, Float32Array.from({ length: 3 * 91 }, (_, i) => i));
  const padded = padRegion(img, 0, 0, 7, 13);
  expect([padded.width, padded.height]).toEqual([16, 8]);
  const at = (im: typeof img, c: number, y: number, x: number) => im.data[c * im.width * im.height + y * im.width + x];
  expect(at(padded, 2, 7, 15)).toBe(at(img, 2, 5, 9)); // row 7 -> 5, column 15 -> 9
  expect(Array.from(cropTopLeft(padded, 7, 13).data)).toEqual(Array.from(img.data));
});

test('padRegion of an inner region reads the region only', () => {
  const img = planarImage(20, 20, Float32Array.from({ length: 1200 }, (_, i) => i));
  const r = padRegion(img, 4, 8, 8, 8);
  expect(r.data[0]).toBe(4 * 20 + 8);
  expect(r.data[63]).toBe(11 * 20 + 15);
});

describe('tile layout', () => {
  test.each([
    [2048, 512, 64],
    [1000, 512, 64],
    [520, 512, 64],
    [515, 512, 64],
    [4096, 512, 64],
    [777, 256, 128],
    [100, 64, 0],
  ])('length %i, tile %i, overlap %i: starts on multiples of 8, covers the axis, neighbours overlap >= overlap', (length, tile, overlap) => {
    const spans = axisSpans(length, tile, overlap);
    spans.forEach((s, i) => {
      expect(s.start % 8).toBe(0);
      expect(s.size).toBe(i === spans.length - 1 ? length - s.start : tile);
      if (i > 0) expect(s.start).toBeGreaterThan(spans[i - 1].start);
      if (i > 0) expect(spans[i - 1].start + spans[i - 1].size - s.start).toBeGreaterThanOrEqual(overlap);
    });
    const last = spans[spans.length - 1];
    expect(last.start + last.size).toBe(length);
    expect(last.size).toBeGreaterThanOrEqual(tile);
    expect(last.size).toBeLessThan(tile + 8);
  });

  test('an axis that fits in a tile is one span; tile 0 never tiles', () => {
    expect(axisSpans(300, 512, 64)).toEqual([{ start: 0, size: 300 }]);
    expect(axisSpans(5000, 0, 64)).toEqual([{ start: 0, size: 5000 }]);
    expect(planTiles(600, 300, 512, 64)).toHaveLength(2);
  });

  test('bad tile options are refused naming the option', () => {
    expect(() => planTiles(100, 100, 100, 8)).toThrow(/tile must be 0 .* multiple of 8, got 100/);
    expect(() => planTiles(100, 100, 64, 40)).toThrow(/overlap must be .* 0 to tile\/2 \(32\), got 40/);
  });

  test.each([
    [2048, 512, 64],
    [1000, 512, 64],
    [777, 256, 128],
  ])('blend weights along %i (tile %i, overlap %i): positive everywhere, summing to 1 where two tiles meet, zero on the outer quarter of each band', (length, tile, overlap) => {
    const spans = axisSpans(length, tile, overlap);
    const total = new Float64Array(length);
    const cover = new Uint8Array(length);
    for (const s of spans) {
      axisWeights(spans, s.start).forEach((w, k) => (total[s.start + k] += w));
      for (let k = 0; k < s.size; k++) cover[s.start + k]++;
    }
    total.forEach((t, i) => (cover[i] <= 2 ? expect(t).toBeCloseTo(1, 6) : expect(t).toBeGreaterThan(0.5)));
    const w1 = axisWeights(spans, spans[1].start);
    const band = spans[0].size - spans[1].start;
    expect(w1[0]).toBe(0);
    expect(w1[Math.floor(band / 4) - 1]).toBe(0);
    expect(w1[Math.floor(band / 4)]).toBeGreaterThan(0);
  });
});
