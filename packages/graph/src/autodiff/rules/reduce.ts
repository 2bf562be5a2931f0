/** Gradients of reductions: the upstream gradient is spread back over the reduced axes. */
import { Node, Value } from '../../ir/graph';
import { div, max, mul } from '../../ops/elementwise';
import { expand, reshape } from '../../ops/shape';
import { RuleTable } from '../rule';
import { dims } from '../util';

/** dy as it would be with keepdims=1, then broadcast to x's shape */
function spread(node: Node, dy: Value, axes: number[]): Value {
  const x = node.inputs[0]!;
  const xs = dims(x);
  const kept = node.attrs.keepdims === 0 ? reshape(dy, xs.map((d, i) => (axes.includes(i) ? 1 : d))) : dy;
  return expand(kept, xs);
}

function axesOf(node: Node): number[] {
  if (node.opType === 'ReduceSum') {
    const data = node.inputs[1]?.constData;
    if (!data) throw new RangeError(`ReduceSum '${node.name}': gradient needs constant axes`);
    return Array.from(data as BigInt64Array, Number);
  }
  return node.attrs.axes as number[];
}

export const reduceRules: RuleTable = {
  ReduceSum: (node, [dy]) => [spread(node, dy!, axesOf(node)), null],
  ReduceMean: (node, [dy]) => {
    const xs = dims(node.inputs[0]!);
    const count = axesOf(node).reduce((n, a) => n * xs[a], 1);
    return [spread(node, div(dy!, count), axesOf(node))];
  },
  // y = sqrt(sum x^2): dx = dy * x / y, and 0 where y = 0 (then x = 0 too)
  ReduceL2: (node, [dy]) => {
    const y = node.outputs[0];
    const axes = axesOf(node);
    const keptY = node.attrs.keepdims === 0 ? spread(node, y, axes) : y;
    return [mul(spread(node, dy!, axes), div(node.inputs[0]!, max(keptY, 1e-30)))];
  },
};
