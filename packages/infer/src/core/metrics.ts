/**
 * PSNR and SSIM as scikit-image computes them with data_range=1 and channel_axis set (the authors'
 * evaluation): PSNR over all samples of all channels; SSIM per channel with a 7x7 uniform window,
 * sample covariance (N - 1 normalisation), K1 = 0.01, K2 = 0.03, averaged over the positions whose
 * window lies inside the image (skimage crops (7 - 1) / 2 samples from each border before taking
 * the mean), then over channels. Sums run in float64.
 */
import { PlanarImage } from './planar-image';

const WIN = 7;
const K1 = 0.01;
const K2 = 0.03;
const DATA_RANGE = 1;

/** Peak signal-to-noise ratio in dB for data range 1 (Infinity for identical images). */
export function psnr(a: PlanarImage, b: PlanarImage): number {
  checkSameSize(a, b);
  let sum = 0;
  for (let i = 0; i < a.data.length; i++) {
    const d = a.data[i] - b.data[i];
    sum += d * d;
  }
  const mse = sum / a.data.length;
  return 10 * Math.log10((DATA_RANGE * DATA_RANGE) / mse);
}

/** Mean structural similarity over the three channels (skimage's structural_similarity). */
export function ssim(a: PlanarImage, b: PlanarImage): number {
  checkSameSize(a, b);
  if (a.width < WIN || a.height < WIN) {
    throw new RangeError(`SSIM needs images of at least ${WIN}x${WIN}, got ${a.width}x${a.height}`);
  }
  const plane = a.width * a.height;
  let total = 0;
  for (let c = 0; c < 3; c++) {
    total += channelSsim(a.data.subarray(c * plane, (c + 1) * plane), b.data.subarray(c * plane, (c + 1) * plane), a.width, a.height);
  }
  return total / 3;
}

/** Mean SSIM of one channel over the window positions that fit inside the image. */
function channelSsim(x: Float32Array, y: Float32Array, width: number, height: number): number {
  const np = WIN * WIN;
  const covNorm = np / (np - 1);
  const c1 = (K1 * DATA_RANGE) ** 2;
  const c2 = (K2 * DATA_RANGE) ** 2;
  const cols = new WindowColumns(x, y, width);
  let sum = 0;
  for (let top = 0; top + WIN <= height; top++) {
    cols.moveTo(top);
    const [cx, cy, cxx, cyy, cxy] = cols.sums;
    let sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
    for (let k = 0; k < width; k++) {
      sx += cx[k];
      sy += cy[k];
      sxx += cxx[k];
      syy += cyy[k];
      sxy += cxy[k];
      if (k >= WIN) {
        sx -= cx[k - WIN];
        sy -= cy[k - WIN];
        sxx -= cxx[k - WIN];
        syy -= cyy[k - WIN];
        sxy -= cxy[k - WIN];
      }
      if (k < WIN - 1) continue;
      const [ux, uy, uxx, uyy, uxy] = [sx / np, sy / np, sxx / np, syy / np, sxy / np];
      const vx = covNorm * (uxx - ux * ux);
      const vy = covNorm * (uyy - uy * uy);
      const vxy = covNorm * (uxy - ux * uy);
      sum += ((2 * ux * uy + c1) * (2 * vxy + c2)) / ((ux * ux + uy * uy + c1) * (vx + vy + c2));
    }
  }
  return sum / ((height - WIN + 1) * (width - WIN + 1));
}

/** Per-column sums of x, y, x^2, y^2 and xy over WIN rows, moved down one row at a time. */
class WindowColumns {
  readonly sums: Float64Array[];
  private top = -1;

  constructor(
    private readonly x: Float32Array,
    private readonly y: Float32Array,
    private readonly width: number,
  ) {
    this.sums = Array.from({ length: 5 }, () => new Float64Array(width));
  }

  moveTo(top: number): void {
    if (this.top < 0) {
      for (let r = top; r < top + WIN; r++) this.addRow(r, 1);
    } else {
      this.addRow(this.top, -1);
      this.addRow(top + WIN - 1, 1);
    }
    this.top = top;
  }

  private addRow(r: number, sign: number): void {
    const [sx, sy, sxx, syy, sxy] = this.sums;
    for (let k = 0, i = r * this.width; k < this.width; k++, i++) {
      const a = this.x[i];
      const b = this.y[i];
      sx[k] += sign * a;
      sy[k] += sign * b;
      sxx[k] += sign * a * a;
      syy[k] += sign * b * b;
      sxy[k] += sign * a * b;
    }
  }
}

function checkSameSize(a: PlanarImage, b: PlanarImage): void {
  if (a.width !== b.width || a.height !== b.height) {
    throw new RangeError(`images differ in size: ${a.width}x${a.height} vs ${b.width}x${b.height}`);
  }
}
