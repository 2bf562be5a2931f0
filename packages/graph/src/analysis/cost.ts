/**
 * Parameter and multiply-accumulate counts read off a built graph. The MAC rule is the
 * reference's: convolutions and linear layers (nodes whose weight comes from parameters, not
 * from the input) and matrix products of two activations (the attention's q @ k^T and
 * attn @ v). Resampling, the prompt mixing and elementwise work are not counted. On the
 * reference build this is the network's MAC count; on the fast build it is what the runtime
 * executes, zero padding included.
 */
import { evalDim } from '../ir/dim';
import { Graph, Node, Value } from '../ir/graph';

export interface GraphCost {
  params: number;
  paramsOnForwardPath: number;
  macs: number;
}

export function graphCost(g: Graph, sizes: Record<string, number>): GraphCost {
  const size = (v: Value, axis: number) => evalDim(v.shape[axis < 0 ? v.rank + axis : axis], sizes);
  const count = (v: Value) => v.shape.reduce<number>((a, d) => a * evalDim(d, sizes), 1);
  const dependsOnInput = activations(g);
  let macs = 0;
  for (const n of g.nodes) macs += nodeMacs(n, dependsOnInput, size, count);
  const used = new Set(g.nodes.flatMap((n) => n.inputs));
  const params = [...g.params.values()];
  return {
    params: params.reduce((a, p) => a + count(p), 0),
    paramsOnForwardPath: params.filter((p) => used.has(p)).reduce((a, p) => a + count(p), 0),
    macs,
  };
}

function nodeMacs(n: Node, act: Set<Value>, size: (v: Value, axis: number) => number, count: (v: Value) => number): number {
  const [a, b] = n.inputs as Value[];
  if (n.opType === 'Conv' && !act.has(b)) {
    const y = n.outputs[0];
    return count(y) * (count(b) / size(b, 0));
  }
  if (n.opType === 'Gemm' && !act.has(b)) return size(a, 0) * count(b);
  if (n.opType === 'MatMul' && act.has(a) && act.has(b)) {
    return count(n.outputs[0]) * size(a, -1);
  }
  return 0;
}

/** Values computed from a graph input (as opposed to from parameters and constants alone). */
function activations(g: Graph): Set<Value> {
  const act = new Set<Value>(g.inputs);
  for (const n of g.nodes) {
    if (n.inputs.some((v) => v && act.has(v) && v.dtype === 'float32')) n.outputs.forEach((o) => act.add(o));
  }
  return act;
}
