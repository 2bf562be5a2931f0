import { GraphError } from '../errors';
import { Value } from '../ir/graph';

function reduce(opType: 'ReduceMean' | 'ReduceL2', x: Value, axes: number[], keepdims: boolean): Value {
  const g = x.graph;
  const norm = axes.map((a) => (a < 0 ? a + x.rank : a));
  if (norm.some((a) => a < 0 || a >= x.rank)) {
    throw new GraphError(opType, g.pendingNodeName(opType), `axes [${axes}] out of range`, { x: x.shape });
  }
  const shape = keepdims
    ? x.shape.map((d, i) => (norm.includes(i) ? 1 : d))
    : x.shape.filter((_, i) => !norm.includes(i));
  // opset 17 still takes ReduceMean/ReduceL2 axes as an attribute
  return g.addNode(opType, [x], { axes: norm, keepdims: keepdims ? 1 : 0 }, [{ dtype: x.dtype, shape }])[0];
}

/** mean over `axes` */
export const reduceMean = (x: Value, axes: number[], keepdims = true): Value => reduce('ReduceMean', x, axes, keepdims);
/** sqrt(sum(x^2)) over `axes` */
export const reduceL2 = (x: Value, axes: number[], keepdims = true): Value => reduce('ReduceL2', x, axes, keepdims);

/** sum over `axes` (opset 13+ takes them as an input) */
export function reduceSum(x: Value, axes: number[], keepdims = true): Value {
  const g = x.graph;
  const norm = axes.map((a) => (a < 0 ? a + x.rank : a));
  if (norm.some((a) => a < 0 || a >= x.rank)) {
    throw new GraphError('ReduceSum', g.pendingNodeName('ReduceSum'), `axes [${axes}] out of range`, { x: x.shape });
  }
  const shape = keepdims ? x.shape.map((d, i) => (norm.includes(i) ? 1 : d)) : x.shape.filter((_, i) => !norm.includes(i));
  return g.addNode('ReduceSum', [x, g.ints(norm)], { keepdims: keepdims ? 1 : 0 }, [{ dtype: x.dtype, shape }])[0];
}
