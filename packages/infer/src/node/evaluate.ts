/**
 * The authors' evaluation protocol: images read as 8-bit RGB, centred crop to a multiple of 16,
 * for denoising Gaussian noise of the given sigma from numpy's generator seeded once with `seed`
 * (images in sorted order), the network's output clipped to [0, 1], PSNR and SSIM per image
 * (see core/metrics.ts) and their means.
 */
import { centreCrop, addGaussianNoise, toRgb8 } from '../core/test-protocol';
import { NumpyRandom } from '../core/numpy-random';
import { psnr, ssim } from '../core/metrics';
import { Pixels, toPlanar } from '../core/pixel-layout';
import { PlanarImage } from '../core/planar-image';
import { Restorer } from '../core/restorer';
import { recommendedTiles } from '../core/tiling';
import { denoiseItems, EvalItem, pairedItems } from './eval-data';
import { readImage } from './image-io';

export type EvalTask = 'denoise' | 'derain' | 'dehaze';
export const EVAL_TASKS: readonly EvalTask[] = ['denoise', 'derain', 'dehaze'];
export const NOISE_SIGMAS: readonly number[] = [15, 25, 50];
const CROP_BASE = 16;

export interface EvalOptions {
  task: EvalTask;
  /** denoise: a folder of clean images; derain/dehaze: a folder with degraded/ and clean/ */
  data: string;
  /** noise level for denoise: 15, 25 or 50 */
  sigma?: number;
  /** seed of the noise (default 0) */
  seed?: number;
  /** the network; absent, the degraded images are scored as they are (the baseline) */
  restorer?: Restorer;
  /**
   * tiling, as Restorer.restore takes it; default: the tiling the model's metadata recommends,
   * else 0 (whole images, as the authors run them)
   */
  tile?: number;
  overlap?: number;
  /** called after each image */
  onImage?: (row: EvalRow, done: number, total: number) => void;
}

export interface EvalRow {
  readonly name: string;
  readonly psnr: number;
  readonly ssim: number;
}

export interface EvalReport {
  readonly task: EvalTask;
  readonly sigma?: number;
  readonly seed?: number;
  /** the tiling the network ran with (absent for the baseline) */
  readonly tiles?: { readonly tile: number; readonly overlap?: number };
  readonly mean: { readonly psnr: number; readonly ssim: number };
  readonly rows: EvalRow[];
}

export async function evaluate(options: EvalOptions): Promise<EvalReport> {
  const { task } = options;
  const denoise = task === 'denoise';
  if (denoise && !NOISE_SIGMAS.includes(options.sigma ?? NaN)) {
    throw new RangeError(`--task denoise needs --sigma 15, 25 or 50, got ${options.sigma}`);
  }
  const items = denoise ? denoiseItems(options.data) : pairedItems(options.data);
  const rng = denoise ? new NumpyRandom(options.seed ?? 0) : undefined;
  const tiles = options.restorer ? evalTiles(options) : undefined;
  const rows: EvalRow[] = [];
  for (const item of items) {
    const { clean, degraded } = await loadPair(item, rng && ((p) => addGaussianNoise(p, options.sigma!, rng)));
    const restored = options.restorer ? clip(await options.restorer.restore(degraded, tiles)) : degraded;
    const row = { name: item.name, psnr: psnr(restored, clean), ssim: ssim(restored, clean) };
    rows.push(row);
    options.onImage?.(row, rows.length, items.length);
  }
  const mean = (key: 'psnr' | 'ssim') => rows.reduce((s, r) => s + r[key], 0) / rows.length;
  return { task, ...(denoise ? { sigma: options.sigma, seed: options.seed ?? 0 } : {}), ...(tiles ? { tiles } : {}), mean: { psnr: mean('psnr'), ssim: mean('ssim') }, rows };
}

/** --tile/--overlap as given, else the model's recommendation, else whole images. */
function evalTiles(options: EvalOptions): { tile: number; overlap?: number } {
  if (options.tile !== undefined) return { tile: options.tile, overlap: options.overlap };
  const recommended = recommendedTiles(options.restorer!.metadata);
  return recommended ? { tile: recommended.tile, overlap: options.overlap ?? recommended.overlap } : { tile: 0 };
}

async function loadPair(item: EvalItem, addNoise?: (p: Pixels) => Pixels): Promise<{ clean: PlanarImage; degraded: PlanarImage }> {
  const clean = centreCrop(toRgb8((await readImage(item.clean)).pixels), CROP_BASE);
  if (addNoise) return { clean: toPlanar(clean), degraded: toPlanar(addNoise(clean)) };
  const degraded = centreCrop(toRgb8((await readImage(item.degraded!)).pixels), CROP_BASE);
  if (degraded.width !== clean.width || degraded.height !== clean.height) {
    throw new Error(`${item.degraded}: ${degraded.width}x${degraded.height} after cropping, but ${item.clean} is ${clean.width}x${clean.height}`);
  }
  return { clean: toPlanar(clean), degraded: toPlanar(degraded) };
}

function clip(image: PlanarImage): PlanarImage {
  const data = image.data.map((v) => Math.min(1, Math.max(0, v)));
  return { ...image, data };
}
