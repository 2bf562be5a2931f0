/**
 * NIQE, the Natural Image Quality Evaluator (Mittal, Soundararajan, Bovik, "Making a completely
 * blind image quality analyzer", IEEE Signal Processing Letters 20(3), 2013), following the
 * authors' MATLAB release (niqe_release: computequality.m, estimatemodelparam.m, computefeature.m):
 *
 *   grey = round(rgb2gray(rgb)), cropped to whole 96x96 blocks
 *   per scale s = 1, 2 (scale 2 = imresize(grey, 0.5), bicubic, antialiased):
 *     mu = w * I, sigma = sqrt(|w * I^2 - mu^2|), MSCN = (I - mu) / (sigma + 1),
 *     w = 7x7 Gaussian, sigma 7/6, replicate borders
 *     per block (96/s px): AGGD fit of MSCN -> [alpha, (betaL + betaR) / 2], and for the products of
 *     MSCN with its horizontal, vertical and two diagonal neighbours (circular within the block)
 *     -> [alpha, (betaR - betaL) Gamma(2/alpha) / Gamma(1/alpha), betaL, betaR]     18 features
 *   36 features per 96x96 block; the image's MVG (nanmean, nancov over its blocks) is compared with
 *   the pristine one: D = sqrt((mu1 - mu2)^T pinv((S1 + S2) / 2) (mu1 - mu2)).
 * The pristine fit keeps, per image, the blocks whose mean sigma exceeds 0.75 x the image's maximum.
 */
import { estimateAggd, gamma } from './aggd';
import { correlateSeparable, cropPlane, gaussianKernel } from './filter';
import { MATLAB_GRAY, Plane, RgbImage, toGray } from './image';
import { imresize } from './imresize';
import { Matrix, nanCov, nanMean, pinvSymmetric } from './linalg';

export const NIQE_FEATURES = 36;
const WINDOW = gaussianKernel(7, 7 / 6);
const SHIFTS: ReadonlyArray<readonly [number, number]> = [[0, 1], [1, 0], [1, 1], [1, -1]];

/**
 * |I - mu| below this is rounding residue of a constant 7x7 neighbourhood (grey levels are
 * integers, so any real deviation is far larger): it is set to 0, so constant areas (JPEG blocks,
 * clipped skies) give the same features whatever the filter's summation order. The MATLAB release
 * keeps the residue, and its AGGD sign counts then depend on rounding.
 */
const MSCN_ZERO = 1e-8;

/** MSCN coefficients and the local deviation sigma of a plane. */
export function mscn(p: Plane): { mscn: Float64Array; sigma: Float64Array } {
  const mu = correlateSeparable(p, WINDOW, WINDOW, 'replicate').data;
  const sqData = new Float64Array(p.data.length);
  for (let i = 0; i < sqData.length; i++) sqData[i] = p.data[i] * p.data[i];
  const sq: Plane = { width: p.width, height: p.height, data: sqData };
  const mu2 = correlateSeparable(sq, WINDOW, WINDOW, 'replicate').data;
  const sigma = new Float64Array(mu.length);
  const out = new Float64Array(mu.length);
  for (let i = 0; i < mu.length; i++) {
    sigma[i] = Math.sqrt(Math.abs(mu2[i] - mu[i] * mu[i]));
    const d = p.data[i] - mu[i];
    out[i] = Math.abs(d) < MSCN_ZERO ? 0 : d / (sigma[i] + 1);
  }
  return { mscn: out, sigma };
}

function blockOf(data: Float64Array, width: number, bx: number, by: number, size: number): Float64Array {
  const out = new Float64Array(size * size);
  for (let r = 0; r < size; r++) out.set(data.subarray((by + r) * width + bx, (by + r) * width + bx + size), r * size);
  return out;
}

/** computefeature.m: the 18 features of one block of MSCN coefficients. */
export function blockFeatures(block: Float64Array, size: number): number[] {
  const a = estimateAggd(block);
  const feat = [a.alpha, (a.betaL + a.betaR) / 2];
  const pair = new Float64Array(block.length);
  const col = new Int32Array(size + 2);
  for (const [dy, dx] of SHIFTS) {
    // circshift(B, [dy dx]): shifted(r, c) = B(r - dy, c - dx), wrapping inside the block.
    for (let c = 0; c < size; c++) col[c] = (c - dx + size) % size;
    for (let r = 0; r < size; r++) {
      const row = r * size;
      const src = ((r - dy + size) % size) * size;
      for (let c = 0; c < size; c++) pair[row + c] = block[row + c] * block[src + col[c]];
    }
    const p = estimateAggd(pair);
    const meanParam = (p.betaR - p.betaL) * (gamma(2 / p.alpha) / gamma(1 / p.alpha));
    feat.push(p.alpha, meanParam, p.betaL, p.betaR);
  }
  return feat;
}

/** Per-block 36-feature rows and scale-1 sharpness (mean sigma), blocks in column-major order as blkproc. */
export function niqeBlockFeatures(img: RgbImage, blockSize = 96): { features: Matrix; sharpness: number[] } {
  const grey = toGray(img, MATLAB_GRAY, true);
  const cols = Math.floor(grey.width / blockSize);
  const rows = Math.floor(grey.height / blockSize);
  const features: Matrix = Array.from({ length: rows * cols }, () => []);
  const sharpness: number[] = [];
  let plane = cropPlane(grey, cols * blockSize, rows * blockSize);
  for (let scale = 1; scale <= 2; scale++) {
    const size = blockSize / scale;
    const { mscn: m, sigma } = mscn(plane);
    for (let bx = 0, k = 0; bx < cols; bx++) {
      for (let by = 0; by < rows; by++, k++) {
        features[k].push(...blockFeatures(blockOf(m, plane.width, bx * size, by * size, size), size));
        if (scale === 1) sharpness.push(blockOf(sigma, plane.width, bx * size, by * size, size).reduce((s, v) => s + v, 0) / (size * size));
      }
    }
    if (scale === 1) plane = imresize(plane, 0.5);
  }
  return { features, sharpness };
}

/** The pristine multivariate Gaussian. */
export interface NiqeModel {
  mu: number[];
  cov: Matrix;
  blockSize: number;
}

/** NIQE score of an image against a pristine model (lower is better); NaN if no 96x96 block fits. */
export function niqe(img: RgbImage, model: NiqeModel): number {
  const { features } = niqeBlockFeatures(img, model.blockSize);
  if (features.length === 0) return NaN;
  const mu = nanMean(features, NIQE_FEATURES);
  const cov = nanCov(features, NIQE_FEATURES).map((r) => r.map((v) => (Number.isNaN(v) ? 0 : v)));
  return mvgDistance(model.mu, model.cov, mu, cov);
}

/** sqrt((mu1 - mu2)^T pinv((S1 + S2) / 2) (mu1 - mu2)). */
export function mvgDistance(mu1: number[], s1: Matrix, mu2: number[], s2: Matrix): number {
  const inv = pinvSymmetric(s1.map((r, i) => r.map((v, j) => (v + s2[i][j]) / 2)));
  const d = mu1.map((v, i) => v - mu2[i]);
  let q = 0;
  for (let i = 0; i < d.length; i++) for (let j = 0; j < d.length; j++) q += d[i] * inv[i][j] * d[j];
  return Math.sqrt(Math.max(0, q));
}

/** estimatemodelparam.m's selection: blocks sharper than `threshold` x the image's sharpest block. */
export function pristineBlocks(img: RgbImage, blockSize = 96, threshold = 0.75): Matrix {
  const { features, sharpness } = niqeBlockFeatures(img, blockSize);
  const max = Math.max(...sharpness);
  return features.filter((_, k) => sharpness[k] > threshold * max);
}

/** Fits the pristine MVG to the selected blocks of several images. */
export function fitPristine(blocks: Matrix, blockSize = 96): NiqeModel {
  return { mu: nanMean(blocks, NIQE_FEATURES), cov: nanCov(blocks, NIQE_FEATURES), blockSize };
}
