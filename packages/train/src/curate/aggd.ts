/**
 * Asymmetric generalised Gaussian fit by moment matching, as the NIQE release's estimateaggdparam.m
 * (Lasmar, Stitou, Berthoumieu 2009): the shape alpha is looked up on the grid 0.2:0.001:10.
 */

const LANCZOS_G = 7;
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** Gamma function (Lanczos approximation, ~1e-15 relative error for the arguments used here). */
export function gamma(z: number): number {
  if (z < 0.5) return Math.PI / (Math.sin(Math.PI * z) * gamma(1 - z));
  const x = z - 1;
  let a = LANCZOS[0];
  const t = x + LANCZOS_G + 0.5;
  for (let i = 1; i < LANCZOS.length; i++) a += LANCZOS[i] / (x + i);
  return Math.sqrt(2 * Math.PI) * Math.pow(t, x + 0.5) * Math.exp(-t) * a;
}

/** r(alpha) = Gamma(2/a)^2 / (Gamma(1/a) Gamma(3/a)) on the release's grid; increasing in alpha. */
const GRID = Float64Array.from({ length: 9801 }, (_, k) => 0.2 + k * 0.001);
const R_GRID = GRID.map((a) => gamma(2 / a) ** 2 / (gamma(1 / a) * gamma(3 / a)));

/** Index of the grid value nearest `r` (first of equals, as MATLAB's min), by bisection on the increasing table. */
function nearestShape(r: number): number {
  let lo = 0;
  let hi = R_GRID.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (R_GRID[mid] < r) lo = mid;
    else hi = mid;
  }
  return (R_GRID[lo] - r) ** 2 <= (R_GRID[hi] - r) ** 2 ? lo : hi;
}

export interface AggdParams {
  alpha: number;
  betaL: number;
  betaR: number;
}

/** Fits an AGGD to `vec`; a side without samples has a NaN beta (MATLAB's mean of an empty vector). */
export function estimateAggd(vec: ArrayLike<number>): AggdParams {
  let sumL = 0, nL = 0, sumR = 0, nR = 0, sumAbs = 0, sumSq = 0;
  for (let i = 0; i < vec.length; i++) {
    const v = vec[i];
    const sq = v * v;
    if (v < 0) { sumL += sq; nL++; } else if (v > 0) { sumR += sq; nR++; }
    sumAbs += Math.abs(v);
    sumSq += sq;
  }
  const n = vec.length;
  const leftStd = Math.sqrt(sumL / nL);
  const rightStd = Math.sqrt(sumR / nR);
  const gammaHat = leftStd / rightStd;
  const rHat = (sumAbs / n) ** 2 / (sumSq / n);
  const rHatNorm = (rHat * (gammaHat ** 3 + 1) * (gammaHat + 1)) / (gammaHat ** 2 + 1) ** 2;
  // A block without negative or without positive samples gives NaN here; MATLAB's min over an
  // all-NaN vector returns index 1, so the release reports alpha = 0.2 (and NaN betas): so do we.
  const alpha = Number.isNaN(rHatNorm) ? GRID[0] : GRID[nearestShape(rHatNorm)];
  const k = Math.sqrt(gamma(1 / alpha) / gamma(3 / alpha));
  return { alpha, betaL: leftStd * k, betaR: rightStd * k };
}

/** Exposed for the tests: the shape grid and its ratio table. */
export const AGGD_GRID = { alpha: GRID, r: R_GRID };
