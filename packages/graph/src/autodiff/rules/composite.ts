/**
 * Gradients of composite ops as a whole: each reads only the composite's input (and small
 * saved values), so the primitives' intermediates need not live until the backward pass.
 */
import { Composite, Value } from '../../ir/graph';
import { add, div, erf, exp, greaterOrEqual, mul, sub, where } from '../../ops/elementwise';
import { reduceSum } from '../../ops/reduce';

export type CompositeRule = (c: Composite, dy: Value) => Value[];

const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

export const COMPOSITE_RULES: Readonly<Record<string, CompositeRule>> = {
  // d gelu / dx = Phi(x) + x * phi(x)
  Gelu: ({ inputs: [x] }, dy) => {
    const cdf = mul(add(erf(div(x, Math.SQRT2)), 1), 0.5);
    const pdf = mul(exp(mul(mul(x, x), -0.5)), INV_SQRT_2PI);
    return [mul(dy, add(cdf, mul(x, pdf)))];
  },
  // y = x / max(n, eps): dx = (dy - [n >= eps] * y * sum(dy * y)) / max(n, eps)
  L2Normalize: ({ output: y, saved }, dy) => {
    const axis = Number((saved.axis.constData as BigInt64Array)[0]);
    const along = where(greaterOrEqual(saved.norm, saved.eps), reduceSum(mul(dy, y), [axis]), 0);
    return [div(sub(dy, mul(y, along)), saved.denom)];
  },
};
