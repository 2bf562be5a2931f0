/**
 * Gradient of the bilinear Resize (half-pixel centres, no antialias). At static sizes the
 * resize is y = Rh @ x @ Rw^T per channel, so dx = Rh^T @ dy @ Rw with constant matrices.
 */
import { Graph, Value } from '../../ir/graph';
import { matmul } from '../../ops/matmul';
import { RuleTable } from '../rule';
import { dims } from '../util';

/**
 * The [out, in] matrix of 1-D linear interpolation with half-pixel centres, as ONNX Runtime
 * and PyTorch (align_corners=False) compute it: source x = (i + 0.5) * in/out - 0.5,
 * clamped at 0, blending floor(x) and the next pixel (clamped at the edge).
 */
export function interpolationMatrix(inSize: number, outSize: number): Float32Array {
  const m = new Float32Array(outSize * inSize);
  const scale = Math.fround(outSize / inSize);
  for (let i = 0; i < outSize; i++) {
    const x = Math.max((i + 0.5) / scale - 0.5, 0);
    const x0 = Math.min(Math.floor(x), inSize - 1);
    const x1 = Math.min(x0 + 1, inSize - 1);
    const lambda = x - x0;
    m[i * inSize + x0] += 1 - lambda;
    m[i * inSize + x1] += lambda;
  }
  return m;
}

function matrixConstant(g: Graph, rows: number, cols: number, data: Float32Array): Value {
  return g.constant(data, [rows, cols], 'interp');
}

function transposeData(data: Float32Array, rows: number, cols: number): Float32Array {
  const t = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = data[r * cols + c];
  return t;
}

export const resizeRules: RuleTable = {
  Resize: ({ inputs: [x], outputs: [y], attrs }, [dy], c) => {
    if (attrs.mode !== 'linear' || attrs.coordinate_transformation_mode !== 'half_pixel') {
      throw new RangeError('Resize gradient: only bilinear with half-pixel centres is supported');
    }
    const [, , hIn, wIn] = dims(x!);
    const [, , hOut, wOut] = dims(y);
    const rh = interpolationMatrix(hIn, hOut);
    const rw = interpolationMatrix(wIn, wOut);
    const rhT = matrixConstant(c.graph, hIn, hOut, transposeData(rh, hOut, hIn));
    const rwM = matrixConstant(c.graph, wOut, wIn, rw);
    return [matmul(matmul(rhT, dy!), rwM), null, null, null];
  },
};
