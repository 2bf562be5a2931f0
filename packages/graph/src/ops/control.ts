/**
 * ONNX Loop over one loop-carried tensor: `loop(times, x, body)` applies `body` `times` times
 * (a runtime int64 scalar). The body is built with the same op helpers into the same graph and
 * then moved into the Loop node's subgraph, so it reads parameters and constants of the outer
 * graph by name: a block repeated any number of times stores its weights once.
 * `recomputable` marks a stretch of the forward that autodiff may recompute.
 */
import { GraphError } from '../errors';
import { Value } from '../ir/graph';
import { identity } from './elementwise';

export function loop(times: Value, init: Value, body: (x: Value) => Value): Value {
  const g = init.graph;
  if (times.dtype !== 'int64' || times.rank !== 0) {
    throw new GraphError('Loop', g.pendingNodeName('Loop'), 'the trip count must be an int64 scalar', { times: times.shape });
  }
  const first = g.nodes.length;
  const memoBefore = new Set(g.memo.keys());
  const compositesBefore = g.composites.length;
  const segmentsBefore = g.segments.length;
  const iteration = g.subgraphInput('iteration', 'int64', []);
  const condIn = g.subgraphInput('cond_in', 'bool', []);
  const xIn = g.subgraphInput('x_in', init.dtype, init.shape);
  const xOut = body(xIn);
  const condOut = identity(condIn);
  const nodes = g.nodes.splice(first);
  // What the body built is the body's: forget memoised values and composites made inside it,
  // so that nothing outside the Loop reads a value that only exists inside.
  for (const key of [...g.memo.keys()]) if (!memoBefore.has(key)) g.memo.delete(key);
  g.composites.splice(compositesBefore);
  g.segments.splice(segmentsBefore);
  if (xOut.rank !== init.rank || xOut.dtype !== init.dtype) {
    throw new GraphError('Loop', g.pendingNodeName('Loop'), 'the body must return a tensor of the input\'s type and rank', { x: init.shape, body: xOut.shape });
  }
  const subgraph = { inputs: [iteration, condIn, xIn], outputs: [condOut, xOut], nodes };
  return g.addNode('Loop', [times, null, init], { body: { subgraph } }, [{ dtype: init.dtype, shape: init.shape }])[0];
}

/**
 * `body(x)`, marked as a segment that training graphs built with recomputation rebuild from `x`
 * in the backward pass (only `x` is kept from the forward); elsewhere it changes nothing.
 */
export function recomputable(x: Value, body: (x: Value) => Value): Value {
  const g = x.graph;
  const first = g.nodes.length;
  const y = body(x);
  g.segments.push({ input: x, nodes: g.nodes.slice(first) });
  return y;
}
