/** PSNR and SSIM against scikit-image's figures for the fixture pairs (../shared/fixtures/metrics). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { planarImage, psnr, readImage, ssim, toPlanar } from '../src';

const FIXTURES = path.resolve(__dirname, '../../../../shared/fixtures/metrics');
const cases: { clean: string; degraded: string; psnr: number; ssim: number }[] = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'metrics.json'), 'utf8')).cases;

test.each(cases.map((c) => [c.degraded, c]))('%s: PSNR within 0.01 dB and SSIM within 1e-4 of skimage', async (_, c) => {
  const load = async (f: string) => toPlanar((await readImage(path.join(FIXTURES, f))).pixels);
  const [clean, degraded] = [await load(c.clean), await load(c.degraded)];
  expect(Math.abs(psnr(degraded, clean) - c.psnr)).toBeLessThan(0.01);
  expect(Math.abs(ssim(degraded, clean) - c.ssim)).toBeLessThan(1e-4);
  // the order of the arguments does not matter
  expect(Math.abs(ssim(clean, degraded) - c.ssim)).toBeLessThan(1e-4);
});

test('identical images: PSNR is infinite and SSIM is 1', () => {
  const img = planarImage(9, 8, Float32Array.from({ length: 216 }, (_, i) => (i % 13) / 13));
  expect(psnr(img, img)).toBe(Infinity);
  expect(ssim(img, img)).toBeCloseTo(1, 12);
});

test('SSIM of constant images follows the formula: (2ab + C1) / (a^2 + b^2 + C1)', () => {
  const a = planarImage(8, 8, new Float32Array(192).fill(0.25));
  const b = planarImage(8, 8, new Float32Array(192).fill(0.75));
  const c1 = 0.01 ** 2;
  expect(ssim(a, b)).toBeCloseTo((2 * 0.25 * 0.75 + c1) / (0.25 ** 2 + 0.75 ** 2 + c1), 6);
  expect(psnr(a, b)).toBeCloseTo(10 * Math.log10(1 / 0.25), 6);
});

test('SSIM refuses images smaller than its 7x7 window, and mismatched sizes', () => {
  expect(() => ssim(planarImage(6, 9), planarImage(6, 9))).toThrow(/at least 7x7/);
  expect(() => psnr(planarImage(6, 9), planarImage(9, 6))).toThrow(/differ in size/);
});
