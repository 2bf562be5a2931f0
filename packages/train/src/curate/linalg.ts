/** The small dense linear algebra NIQE needs: column means, covariance and a pseudo-inverse. */

/** A row-major matrix as an array of rows. */
export type Matrix = number[][];

/** Mean of each column ignoring NaN (MATLAB nanmean). */
export function nanMean(rows: Matrix, dims: number): number[] {
  const mu = new Array<number>(dims).fill(0);
  const n = new Array<number>(dims).fill(0);
  for (const r of rows) for (let j = 0; j < dims; j++) if (!Number.isNaN(r[j])) { mu[j] += r[j]; n[j]++; }
  return mu.map((s, j) => (n[j] ? s / n[j] : NaN));
}

/** Unbiased covariance over the rows without NaN (MATLAB nancov); NaN entries if fewer than 2 such rows. */
export function nanCov(rows: Matrix, dims: number): Matrix {
  const complete = rows.filter((r) => r.every((v) => !Number.isNaN(v)));
  const m = complete.length;
  const cov: Matrix = Array.from({ length: dims }, () => new Array<number>(dims).fill(m < 2 ? NaN : 0));
  if (m < 2) return cov;
  const mu = nanMean(complete, dims);
  for (const r of complete) {
    for (let i = 0; i < dims; i++) {
      const di = r[i] - mu[i];
      for (let j = i; j < dims; j++) cov[i][j] += di * (r[j] - mu[j]);
    }
  }
  for (let i = 0; i < dims; i++) for (let j = i; j < dims; j++) cov[j][i] = cov[i][j] /= m - 1;
  return cov;
}

/** Eigen-decomposition of a symmetric matrix by cyclic Jacobi rotations: A = V diag(values) V^T. */
export function symmetricEigen(a: Matrix): { values: number[]; vectors: Matrix } {
  const n = a.length;
  const m = a.map((r) => r.slice());
  const v: Matrix = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
  let total = 0;
  for (const r of m) for (const x of r) total += x * x;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += m[p][q] * m[p][q];
    if (off <= 1e-32 * total) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        if (m[p][q] === 0) continue;
        const theta = (m[q][q] - m[p][p]) / (2 * m[p][q]);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const mkp = m[k][p], mkq = m[k][q];
          m[k][p] = c * mkp - s * mkq;
          m[k][q] = s * mkp + c * mkq;
        }
        for (let k = 0; k < n; k++) {
          const mpk = m[p][k], mqk = m[q][k];
          m[p][k] = c * mpk - s * mqk;
          m[q][k] = s * mpk + c * mqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k][p], vkq = v[k][q];
          v[k][p] = c * vkp - s * vkq;
          v[k][q] = s * vkp + c * vkq;
        }
      }
    }
  }
  return { values: m.map((r, i) => r[i]), vectors: v };
}

/**
 * Moore-Penrose pseudo-inverse of a symmetric matrix, with MATLAB pinv's tolerance
 * max(size) * eps(norm): eigenvalues at or below it are treated as zero.
 */
export function pinvSymmetric(a: Matrix): Matrix {
  const n = a.length;
  const { values, vectors } = symmetricEigen(a);
  const norm = Math.max(...values.map(Math.abs));
  const tol = n * norm * Number.EPSILON;
  const out: Matrix = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let k = 0; k < n; k++) {
    if (Math.abs(values[k]) <= tol) continue;
    const inv = 1 / values[k];
    for (let i = 0; i < n; i++) {
      const vik = vectors[i][k] * inv;
      for (let j = 0; j < n; j++) out[i][j] += vik * vectors[j][k];
    }
  }
  return out;
}
