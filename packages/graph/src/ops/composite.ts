/** Ops composed from primitives: they need no gradient rule of their own. */
import { Value } from '../ir/graph';
import { add, div, erf, max, mul } from './elementwise';
import { reduceL2 } from './reduce';

/** exact GELU: x * 0.5 * (1 + erf(x / sqrt 2)), in the order PyTorch exports it (ORT fuses it) */
export function gelu(x: Value): Value {
  return mul(mul(x, add(erf(div(x, Math.SQRT2)), 1)), 0.5);
}

/** x / max(||x||_2, eps) along `axis`: PyTorch's F.normalize */
export function l2Normalize(x: Value, axis: number, eps = 1e-12): Value {
  return div(x, max(reduceL2(x, [axis]), eps));
}
