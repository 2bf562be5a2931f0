/** Gradients of LayerNormalization (last axis) and Softmax. */
import { add, div, mul, sqrt, sub } from '../../ops/elementwise';
import { reduceMean, reduceSum } from '../../ops/reduce';
import { RuleTable } from '../rule';

export const normRules: RuleTable = {
  // xHat = (x - mean) / sqrt(var + eps);  dx = rstd * (dxHat - mean(dxHat) - xHat * mean(dxHat * xHat))
  LayerNormalization: ({ inputs: [x, scale], attrs }, [dy], c) => {
    if (attrs.axis !== -1 && attrs.axis !== x!.rank - 1) throw new RangeError('LayerNormalization gradient: only the last axis is supported');
    const centred = sub(x!, reduceMean(x!, [-1]));
    const rstd = div(x!.graph.scalar(1), sqrt(add(reduceMean(mul(centred, centred), [-1]), attrs.epsilon as number)));
    const xHat = mul(centred, rstd);
    const others = x!.shape.map((_, i) => i).slice(0, -1);
    const dxHat = mul(dy!, scale!);
    const dx = c.wants(0) ? mul(rstd, sub(sub(dxHat, reduceMean(dxHat, [-1])), mul(xHat, reduceMean(mul(dxHat, xHat), [-1])))) : null;
    return [dx, c.wants(1) ? reduceSum(mul(dy!, xHat), others, false) : null, c.wants(2) ? reduceSum(dy!, others, false) : null];
  },
  // dx = y * (dy - sum(dy * y))
  Softmax: ({ outputs: [y], attrs }, [dy]) => [mul(y, sub(dy!, reduceSum(mul(dy!, y), [attrs.axis as number])))],
};
