/** Gradients of the elementwise ops. Broadcast operands get their gradient summed back. */
import { div, exp, greaterOrEqual, lessOrEqual, mul, neg, sign, sub, where } from '../../ops/elementwise';
import { RuleTable } from '../rule';
import { unbroadcast } from '../util';

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

export const elementwiseRules: RuleTable = {
  Add: ({ inputs: [a, b] }, [dy], c) => [c.wants(0) ? unbroadcast(dy!, a!) : null, c.wants(1) ? unbroadcast(dy!, b!) : null],
  Sub: ({ inputs: [a, b] }, [dy], c) => [c.wants(0) ? unbroadcast(dy!, a!) : null, c.wants(1) ? unbroadcast(neg(dy!), b!) : null],
  Mul: ({ inputs: [a, b] }, [dy], c) => [
    c.wants(0) ? unbroadcast(mul(dy!, b!), a!) : null,
    c.wants(1) ? unbroadcast(mul(dy!, a!), b!) : null,
  ],
  // d(a/b) = dy/b, -dy*a/b^2 = -(dy/b) * y
  Div: ({ inputs: [a, b], outputs: [y] }, [dy], c) => [
    c.wants(0) ? unbroadcast(div(dy!, b!), a!) : null,
    c.wants(1) ? unbroadcast(neg(mul(div(dy!, b!), y)), b!) : null,
  ],
  // PyTorch's clamp_min/maximum convention here: the gradient goes to a where a >= b
  Max: ({ inputs: [a, b] }, [dy], c) => {
    const toA = where(greaterOrEqual(a!, b!), dy!, 0);
    return [c.wants(0) ? unbroadcast(toA, a!) : null, c.wants(1) ? unbroadcast(sub(dy!, toA), b!) : null];
  },
  Erf: ({ inputs: [x] }, [dy]) => [mul(dy!, mul(exp(neg(mul(x!, x!))), TWO_OVER_SQRT_PI))],
  Exp: ({ outputs: [y] }, [dy]) => [mul(dy!, y)],
  Sqrt: ({ outputs: [y] }, [dy]) => [div(mul(dy!, 0.5), y)],
  Neg: (_, [dy]) => [neg(dy!)],
  Abs: ({ inputs: [x] }, [dy]) => [mul(dy!, sign(x!))],
  Identity: (_, [dy]) => [dy!],
  // clamp: the gradient passes where min <= x <= max (PyTorch's convention at the bounds)
  Clip: ({ inputs: [x, lo, hi] }, [dy]) => {
    let g = dy!;
    if (lo) g = where(greaterOrEqual(x!, lo), g, 0);
    if (hi) g = where(lessOrEqual(x!, hi), g, 0);
    return [g, null, null];
  },
};

