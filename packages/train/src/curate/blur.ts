/**
 * Blur: the "blur effect" of Crete-Roffet, Dolmiere, Ladret, Nicolas, "The blur effect: perception
 * and estimation with a new no-reference perceptual blur metric", Proc. SPIE 6492 (2007), with the
 * conventions of scikit-image's measure.blur_effect (h_size 11, Sobel gradients, reflect borders,
 * BT.709 grey in [0, 1], a 2-pixel margin excluded, maximum over the two axes):
 *
 *   for each axis a: B = I re-blurred by an 11-tap box filter along a
 *     dI = |Sobel_a(I)|, dB = |Sobel_a(B)|, V = max(0, dI - dB)
 *     blur_a = (sum dI - sum V) / sum dI
 *   blur = max(blur_x, blur_y)          0 = sharp, 1 = fully blurred
 *
 * Re-blurring a sharp image removes much of its variation (small blur_a); re-blurring an already
 * blurred one changes little (blur_a near 1). Unlike the variance of the Laplacian (Pech-Pacheco et
 * al. 2000), reported beside it as `laplacianVar`, the ratio does not scale with image contrast.
 */
import { correlate1d } from './filter';
import { BT709, Plane, RgbImage, toGray } from './image';

const BOX = new Float64Array(11).fill(1 / 11);

/**
 * |Sobel| along `axis` at interior pixel i: derivative [-1, 0, 1] along the axis, smoothing
 * [1, 2, 1] / 4 across it. `along` and `across` are the index steps of the two directions.
 */
function sobelAt(d: Float64Array, i: number, along: number, across: number): number {
  const a = d[i + along - across] - d[i - along - across];
  const b = d[i + along] - d[i - along];
  const c = d[i + along + across] - d[i - along + across];
  return Math.abs(0.25 * a + 0.5 * b + 0.25 * c);
}

/** The blur effect of a grey plane in [0, 1]. */
export function blurEffectGray(p: Plane): number {
  const { width: w, height: h, data } = p;
  let worst = 0;
  for (const axis of [0, 1] as const) {
    const blurred = correlate1d(p, BOX, axis, 'symmetric').data;
    const along = axis === 0 ? w : 1;
    const across = axis === 0 ? 1 : w;
    let m1 = 0, m2 = 0;
    // skimage sums over [2, size - 1) on each axis; the Sobel taps there stay inside the plane.
    for (let y = 2; y < h - 1; y++) {
      for (let x = 2; x < w - 1; x++) {
        const i = y * w + x;
        const ds = Math.max(Number.EPSILON, sobelAt(data, i, along, across));
        const db = Math.max(Number.EPSILON, sobelAt(blurred, i, along, across));
        m1 += ds;
        m2 += Math.max(0, ds - db);
      }
    }
    worst = Math.max(worst, Math.abs(m1 - m2) / m1);
  }
  return worst;
}

/** The blur effect of an RGB image (BT.709 grey scaled to [0, 1], as skimage's rgb2gray). */
export function blurEffect(img: RgbImage): number {
  const g = toGray(img, BT709);
  for (let i = 0; i < g.data.length; i++) g.data[i] /= 255;
  return blurEffectGray(g);
}

/** Variance of the 4-neighbour Laplacian of the BT.601 grey image (0..255), interior pixels only. */
export function laplacianVariance(p: Plane): number {
  const { width: w, height: h, data } = p;
  let s = 0, s2 = 0, n = 0;
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const i = y * w + x;
      const l = data[i - 1] + data[i + 1] + data[i - w] + data[i + w] - 4 * data[i];
      s += l;
      s2 += l * l;
      n++;
    }
  }
  return n ? s2 / n - (s / n) ** 2 : NaN;
}
