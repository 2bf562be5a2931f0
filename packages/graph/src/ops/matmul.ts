import { GraphError } from '../errors';
import { dimEquals } from '../ir/dim';
import { Value } from '../ir/graph';
import { broadcastShapes } from './broadcast';

/** Batched matrix product over the last two axes, batch axes broadcast (rank >= 2 each). */
export function matmul(a: Value, b: Value): Value {
  const g = a.graph;
  const node = g.pendingNodeName('MatMul');
  if (a.rank < 2 || b.rank < 2) throw new GraphError('MatMul', node, 'expects operands of rank 2 or more', { a: a.shape, b: b.shape });
  const [m, k] = a.shape.slice(-2);
  const [k2, n] = b.shape.slice(-2);
  if (!dimEquals(k, k2)) throw new GraphError('MatMul', node, 'inner dimensions differ', { a: a.shape, b: b.shape });
  const batch = broadcastShapes('MatMul', node, a.shape.slice(0, -2), b.shape.slice(0, -2));
  return g.addNode('MatMul', [a, b], {}, [{ dtype: 'float32', shape: [...batch, m, n] }])[0];
}

/** y = x @ w^T + bias for x [N, in], w [out, in], bias [out]: PyTorch's nn.Linear. */
export function linear(x: Value, w: Value, bias: Value): Value {
  const g = x.graph;
  const node = g.pendingNodeName('Gemm');
  if (x.rank !== 2 || w.rank !== 2 || !dimEquals(x.shape[1], w.shape[1])) {
    throw new GraphError('Gemm', node, 'expects x [N,in] and weight [out,in]', { x: x.shape, w: w.shape });
  }
  if (bias.rank !== 1 || !dimEquals(bias.shape[0], w.shape[0])) {
    throw new GraphError('Gemm', node, 'bias must be [out]', { w: w.shape, bias: bias.shape });
  }
  const attrs = { alpha: 1, beta: 1, transA: 0, transB: 1 };
  return g.addNode('Gemm', [x, w, bias], attrs, [{ dtype: 'float32', shape: [x.shape[0], w.shape[0]] }])[0];
}
