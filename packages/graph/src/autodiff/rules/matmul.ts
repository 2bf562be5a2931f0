/** Gradients of matrix products: dA = dY @ B^T, dB = A^T @ dY (batch axes summed back). */
import { Value } from '../../ir/graph';
import { matmul } from '../../ops/matmul';
import { reduceSum } from '../../ops/reduce';
import { transpose } from '../../ops/shape';
import { RuleTable } from '../rule';
import { unbroadcast } from '../util';

/** swap the last two axes */
function mT(x: Value): Value {
  const perm = x.shape.map((_, i) => i);
  [perm[x.rank - 2], perm[x.rank - 1]] = [perm[x.rank - 1], perm[x.rank - 2]];
  return transpose(x, perm);
}

export const matmulRules: RuleTable = {
  MatMul: ({ inputs: [a, b] }, [dy], c) => [
    c.wants(0) ? unbroadcast(matmul(dy!, mT(b!)), a!) : null,
    c.wants(1) ? unbroadcast(matmul(mT(a!), dy!), b!) : null,
  ],
  // y = x @ w^T + bias (transB = 1, as ops/matmul.ts's linear builds it)
  Gemm: ({ inputs: [x, w], attrs }, [dy], c) => {
    if (attrs.transA !== 0 || attrs.transB !== 1 || attrs.alpha !== 1 || attrs.beta !== 1) {
      throw new RangeError('Gemm gradient: only the linear form (transB=1, alpha=beta=1) is supported');
    }
    return [
      c.wants(0) ? matmul(dy!, w!) : null,
      c.wants(1) ? matmul(mT(dy!), x!) : null,
      c.wants(2) ? reduceSum(dy!, [0], false) : null,
    ];
  },
};
