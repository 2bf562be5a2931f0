/**
 * Bilinear Resize gradient (autodiff/rules/resize.ts): finite differences through ONNX
 * Runtime's Resize, and an exact check against the adjoint of PyTorch's
 * F.interpolate(mode='bilinear', align_corners=False) written in float64.
 */
import { Graph } from '../../src/ir/graph';
import { resizeBilinear } from '../../src/ops/resize';
import { checkGradients, expectGradClose } from './grad-check';

type Shape4 = [number, number, number, number];

/** PyTorch's source taps of output index `dst`: src = max(0, in/out * (dst + 0.5) - 0.5) */
function taps(dst: number, inSize: number, outSize: number): [number, number, number, number] {
  const src = Math.max(0, (inSize / outSize) * (dst + 0.5) - 0.5);
  const i0 = Math.floor(src);
  const i1 = i0 + (i0 < inSize - 1 ? 1 : 0);
  const l1 = src - i0;
  return [i0, i1, 1 - l1, l1];
}

/** dx = adjoint of the bilinear resize applied to dy: each output scatters to its 4 taps */
function bilinearAdjoint(dy: Float32Array, [n, c, h, w]: Shape4, oh: number, ow: number): Float64Array {
  const dx = new Float64Array(n * c * h * w);
  for (let p = 0; p < n * c; p++)
    for (let y = 0; y < oh; y++) {
      const [y0, y1, wy0, wy1] = taps(y, h, oh);
      for (let x = 0; x < ow; x++) {
        const [x0, x1, wx0, wx1] = taps(x, w, ow);
        const d = dy[(p * oh + y) * ow + x];
        dx[(p * h + y0) * w + x0] += d * wy0 * wx0;
        dx[(p * h + y0) * w + x1] += d * wy0 * wx1;
        dx[(p * h + y1) * w + x0] += d * wy1 * wx0;
        dx[(p * h + y1) * w + x1] += d * wy1 * wx1;
      }
    }
  return dx;
}

const CASES: [Shape4, number, number, string][] = [
  [[1, 2, 4, 4], 7, 9, 'up'],
  [[2, 1, 8, 8], 3, 5, 'down'],
  [[1, 1, 4, 6], 8, 3, 'up in H, down in W'],
  [[1, 2, 4, 4], 8, 8, 'up x2'],
  [[1, 2, 8, 8], 4, 4, 'down x2'],
];

describe('Resize (bilinear, half_pixel) gradients', () => {
  for (const [shape, oh, ow, label] of CASES) {
    test(`Resize x=[${shape}] -> [${shape[0]},${shape[1]},${oh},${ow}] mode=linear half_pixel (${label})`, async () => {
      const run = await checkGradients((g: Graph) => {
        const x = g.input('x', 'float32', shape);
        return { wrt: [x], y: resizeBilinear(x, oh, ow) };
      });
      expectGradClose('dx vs PyTorch adjoint', run.grads[0]!, bilinearAdjoint(run.R, shape, oh, ow), shape, { atol: 1e-5, rtol: 1e-5 });
    });
  }
});
