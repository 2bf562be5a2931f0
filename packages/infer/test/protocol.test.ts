/** The authors' test-time handling: numpy's generator, crop_img, noise on uint8, PIL-like RGB. */
import { addGaussianNoise, centreCrop, NumpyRandom, Pixels, toRgb8 } from '../src';

describe("NumpyRandom reproduces numpy's legacy np.random.seed / randn", () => {
  test('seed 0', () => {
    const rng = new NumpyRandom(0);
    const expected = [1.76405235, 0.40015721, 0.97873798, 2.2408932, 1.86755799, -0.97727788, 0.95008842];
    for (const e of expected) expect(rng.nextGaussian()).toBeCloseTo(e, 7);
  });

  test('seed 12345, randn(2,2,3)', () => {
    const rng = new NumpyRandom(12345);
    const expected = [-0.20470766, 0.47894334, -0.51943872, -0.5557303, 1.96578057, 1.39340583, 0.09290788, 0.28174615, 0.76902257, 1.24643474, 1.00718936, -1.29622111];
    for (const e of expected) expect(rng.nextGaussian()).toBeCloseTo(e, 7);
  });

  test('seed 0, draws 999999 to 1000001 (past many state refills)', () => {
    const rng = new NumpyRandom(0);
    for (let i = 0; i < 999998; i++) rng.nextGaussian();
    for (const e of [0.87475609, 1.37183066, 0.51424689]) expect(rng.nextGaussian()).toBeCloseTo(e, 7);
  });

  test('seed 2^32 - 1; seeds outside 0..2^32-1 are refused', () => {
    const rng = new NumpyRandom(2 ** 32 - 1);
    for (const e of [0.64840867, 0.66932353, -1.08054372]) expect(rng.nextGaussian()).toBeCloseTo(e, 7);
    expect(() => new NumpyRandom(-1)).toThrow(/seed/);
  });
});

const rgb = (width: number, height: number): Pixels => ({
  width,
  height,
  channels: 3,
  bitDepth: 8,
  samples: Uint8Array.from({ length: width * height * 3 }, (_, i) => i % 251),
});

test("centreCrop is crop_img(base=16): drops size % 16, the smaller half at the top and left", () => {
  const p = rgb(37, 21); // 37 % 16 = 5 -> columns 2..33; 21 % 16 = 5 -> rows 2..17
  const c = centreCrop(p, 16);
  expect([c.width, c.height]).toEqual([32, 16]);
  expect(c.samples[0]).toBe(p.samples[(2 * 37 + 2) * 3]);
  const exact = rgb(32, 16);
  expect(centreCrop(exact, 16)).toBe(exact);
  expect(() => centreCrop(rgb(15, 40), 16)).toThrow(/smaller than 16x16/);
});

test('noise: clip(x + randn(H,W,C) * sigma, 0, 255) truncated to uint8, drawn in H, W, C order', () => {
  const p: Pixels = { width: 2, height: 1, channels: 3, bitDepth: 8, samples: Uint8Array.from([0, 128, 255, 100, 100, 100]) };
  const noisy = addGaussianNoise(p, 25, new NumpyRandom(0)).samples;
  const n = [1.76405235, 0.40015721, 0.97873798, 2.2408932, 1.86755799, -0.97727788];
  expect(Array.from(noisy)).toEqual(Array.from(p.samples, (v, i) => Math.trunc(Math.min(255, Math.max(0, v + n[i] * 25)))));
});

test('toRgb8: grey repeated, alpha dropped, 16-bit rounded to 8', () => {
  const ga: Pixels = { width: 2, height: 1, channels: 2, bitDepth: 16, samples: Uint16Array.from([65535, 7, 257 * 10, 9]) };
  expect(Array.from(toRgb8(ga).samples)).toEqual([255, 255, 255, 10, 10, 10]);
});
