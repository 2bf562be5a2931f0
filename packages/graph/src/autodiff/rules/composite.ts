/**
 * Gradients of composite ops as a whole: each reads only the composite's input (and small
 * saved values), so the primitives' intermediates need not live until the backward pass.
 */
import { Composite, Value } from '../../ir/graph';
import { add, div, erf, exp, greaterOrEqual, mul, sub, where } from '../../ops/elementwise';
import { reduceSum } from '../../ops/reduce';
import { depthwiseConvNchwcGrad } from '../../ops/nchwc';

export type CompositeRule = (c: Composite, dy: Value) => Value[];

const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/**
 * Phi(x) and phi(x), the standard normal's CDF and density. Phi multiplies by 1/sqrt 2 where the
 * forward gelu divides by sqrt 2: were the nodes the same, ONNX Runtime's common-subexpression
 * elimination would merge them with the forward's and keep its erf and sum alive until here (and
 * block its Gelu fusion).
 */
function normal(x: Value): { cdf: Value; pdf: Value } {
  return {
    cdf: mul(add(erf(mul(x, Math.SQRT1_2)), 1), 0.5),
    pdf: mul(exp(mul(mul(x, x), -0.5)), INV_SQRT_2PI),
  };
}

export const COMPOSITE_RULES: Readonly<Record<string, CompositeRule>> = {
  DepthwiseConvNchwc: ({ inputs: [x, w], saved }, dy) => {
    const pads = Array.from(saved.pads.constData as BigInt64Array, Number) as [number, number, number, number];
    return depthwiseConvNchwcGrad(x, w, saved.blocked, pads, dy);
  },
  // d gelu / dx = Phi(x) + x * phi(x)
  Gelu: ({ inputs: [x] }, dy) => {
    const { cdf, pdf } = normal(x);
    return [mul(dy, add(cdf, mul(x, pdf)))];
  },
  // y = gelu(x1) * x2: dx1 = dy * x2 * gelu'(x1), dx2 = dy * gelu(x1), with gelu(x1) = x1 * Phi(x1) recomputed
  GatedGelu: ({ inputs: [x1, x2] }, dy) => {
    const { cdf, pdf } = normal(x1);
    return [mul(mul(dy, x2), add(cdf, mul(x1, pdf))), mul(dy, mul(x1, cdf))];
  },
  // y = x / max(n, eps): dx = (dy - [n >= eps] * y * sum(dy * y)) / max(n, eps)
  L2Normalize: ({ output: y, saved }, dy) => {
    const axis = Number((saved.axis.constData as BigInt64Array)[0]);
    const along = where(greaterOrEqual(saved.norm, saved.eps), reduceSum(mul(dy, y), [axis]), 0);
    return [div(sub(dy, mul(y, along)), saved.denom)];
  },
};
