import { GraphError } from '../errors';
import { Dim, dimEquals, divDim, dimToString, mulDim, numel } from '../ir/dim';
import { Graph, Value } from '../ir/graph';
import { broadcastShapes } from './broadcast';
import { runtimeShape } from './runtime-shape';

/**
 * Reshape to `dims`. Where ONNX's 0 (copy the input's dim) and a single -1 can express the
 * target, the shape is a constant; otherwise it is computed from the graph input at run time.
 */
export function reshape(x: Value, dims: readonly Dim[]): Value {
  const g = x.graph;
  const node = g.pendingNodeName('Reshape');
  if (numel(x.shape).toString() !== numel(dims).toString()) {
    throw new GraphError('Reshape', node, 'element counts differ', { x: x.shape, target: dims });
  }
  const encoded = dims.map((d, i) => (typeof d === 'number' ? d : i < x.rank && dimEquals(d, x.shape[i]) ? 0 : null));
  const open = encoded.filter((e) => e === null).length;
  const shape = open <= 1 ? g.ints(encoded.map((e) => (e === null ? -1 : e))) : runtimeShape(g, dims);
  return g.addNode('Reshape', [x, shape], {}, [{ dtype: x.dtype, shape: dims }])[0];
}

export function transpose(x: Value, perm: number[]): Value {
  const g = x.graph;
  if (perm.length !== x.rank || [...perm].sort((a, b) => a - b).some((p, i) => p !== i)) {
    throw new GraphError('Transpose', g.pendingNodeName('Transpose'), `perm [${perm}] is not a permutation of the axes`, { x: x.shape });
  }
  // A transpose of a transpose is one transpose of the first input, or none: the backward pass
  // transposes back what the forward transposed (MatMul's B^T), and reading the first input
  // there lets the transposed copy die right after the forward product.
  const inner = x.producer;
  if (inner?.opType === 'Transpose' && inner.inputs[0]) {
    const innerPerm = inner.attrs.perm as number[];
    const composed = perm.map((p) => innerPerm[p]);
    const source = inner.inputs[0];
    return composed.every((p, i) => p === i) ? source : transpose(source, composed);
  }
  if (perm.every((p, i) => p === i)) return x;
  return g.addNode('Transpose', [x], { perm }, [{ dtype: x.dtype, shape: perm.map((p) => x.shape[p]) }])[0];
}

/** Concatenate along `axis`; every other axis must agree. */
export function concat(xs: Value[], axisIn: number): Value {
  const g = xs[0].graph;
  const axis = normalizeAxis('Concat', xs[0], axisIn);
  const node = g.pendingNodeName('Concat');
  const ref = xs[0];
  let total: Dim = 0;
  for (const x of xs) {
    if (x.rank !== ref.rank || x.shape.some((d, i) => i !== axis && !dimEquals(d, ref.shape[i]))) {
      throw new GraphError('Concat', node, `operands differ outside axis ${axis}`, { first: ref.shape, other: x.shape });
    }
    const d = x.shape[axis];
    if (typeof d !== 'number' || typeof total !== 'number') throw new GraphError('Concat', node, 'concat axis must be static', { x: x.shape });
    total += d;
  }
  const shape = ref.shape.map((d, i) => (i === axis ? total : d));
  return g.addNode('Concat', xs, { axis }, [{ dtype: ref.dtype, shape }])[0];
}

/** Split along `axis` into pieces of the given static sizes. */
export function split(x: Value, axisIn: number, sizes: number[]): Value[] {
  const g = x.graph;
  const axis = normalizeAxis('Split', x, axisIn);
  const d = x.shape[axis];
  if (typeof d !== 'number' || sizes.reduce((a, b) => a + b, 0) !== d) {
    throw new GraphError('Split', g.pendingNodeName('Split'), `sizes [${sizes}] do not add up to axis ${axis} (${dimToString(d)})`, { x: x.shape });
  }
  const outs = sizes.map((s) => ({ dtype: x.dtype, shape: x.shape.map((e, i) => (i === axis ? s : e)) }));
  return g.addNode('Split', [x, g.ints(sizes)], { axis }, outs);
}

function normalizeAxis(opType: string, x: Value, axis: number): number {
  const a = axis < 0 ? axis + x.rank : axis;
  if (a < 0 || a >= x.rank) throw new GraphError(opType, x.graph.pendingNodeName(opType), `axis ${axis} out of range`, { x: x.shape });
  return a;
}

/** x[..., start:end, ...] along one axis (static bounds). */
export function slice(x: Value, axis: number, start: number, end: number): Value {
  const g = x.graph;
  const d = x.shape[axis];
  if (typeof d !== 'number' || start < 0 || end > d || start >= end) {
    throw new GraphError('Slice', g.pendingNodeName('Slice'), `[${start}:${end}] is not a non-empty range of axis ${axis}`, { x: x.shape });
  }
  const shape = x.shape.map((e, i) => (i === axis ? end - start : e));
  return g.addNode('Slice', [x, g.ints([start]), g.ints([end]), g.ints([axis])], {}, [{ dtype: x.dtype, shape }])[0];
}

/** Zero padding: `after[i]` zeros appended to axis i (static shapes). */
export function padEnd(x: Value, after: number[]): Value {
  return padBoth(x, after.map(() => 0), after);
}

/** Zero padding: `before[i]` zeros prepended and `after[i]` appended to axis i (static axes). */
export function padBoth(x: Value, before: number[], after: number[]): Value {
  const g = x.graph;
  if (before.length !== x.rank || after.length !== x.rank || [...before, ...after].some((a) => a < 0)) {
    throw new GraphError('Pad', g.pendingNodeName('Pad'), `needs non-negative amounts per axis, got [${before}] and [${after}]`, { x: x.shape });
  }
  if ([...before, ...after].every((a) => a === 0)) return x;
  const shape = x.shape.map((d, i) => (before[i] + after[i] === 0 ? d : mulDimAdd(d, before[i] + after[i])));
  return g.addNode('Pad', [x, g.ints([...before, ...after])], { mode: 'constant' }, [{ dtype: x.dtype, shape }])[0];
}

function mulDimAdd(d: Dim, extra: number): number {
  if (typeof d !== 'number') throw new RangeError('padEnd pads static axes only');
  return d + extra;
}

/** Broadcast x to a static `shape` (numpy rules). */
export function expand(x: Value, shape: readonly number[]): Value {
  const g = x.graph;
  broadcastShapes('Expand', g.pendingNodeName('Expand'), x.shape, shape);
  return g.addNode('Expand', [x, g.ints(shape)], {}, [{ dtype: x.dtype, shape }])[0];
}

/** A float32 tensor of zeros with a static shape. */
export function zeros(g: Graph, shape: readonly number[]): Value {
  return g.addNode('ConstantOfShape', [g.ints(shape)], {}, [{ dtype: 'float32', shape }])[0];
}

/** x with the given axes reversed (Slice with step -1). */
export function reverse(x: Value, axes: number[]): Value {
  const g = x.graph;
  const ends = axes.map((a) => -((x.shape[a] as number) + 1));
  const inputs = [x, g.ints(axes.map(() => -1)), g.ints(ends), g.ints(axes), g.ints(axes.map(() => -1))];
  return g.addNode('Slice', inputs, {}, [{ dtype: x.dtype, shape: x.shape }])[0];
}

/** Pixel shuffle by `r` (PyTorch's nn.PixelShuffle): ONNX DepthToSpace in CRD mode. */
export function depthToSpace(x: Value, r: number): Value {
  const g = x.graph;
  const [n, c, h, w] = x.shape;
  if (typeof c !== 'number' || c % (r * r) !== 0) {
    throw new GraphError('DepthToSpace', g.pendingNodeName('DepthToSpace'), `channels not divisible by ${r * r}`, { x: x.shape });
  }
  const shape = [n, c / (r * r), mulDim(h, r), mulDim(w, r)];
  return g.addNode('DepthToSpace', [x], { blocksize: r, mode: 'CRD' }, [{ dtype: x.dtype, shape }])[0];
}

/**
 * Pixel unshuffle by `r` (PyTorch's nn.PixelUnshuffle): output channel c*r*r + i*r + j takes
 * channel c at offset (i, j). ONNX SpaceToDepth orders channels differently, so this is
 * Reshape/Transpose/Reshape.
 */
export function pixelUnshuffle(x: Value, r: number): Value {
  const [n, c, h, w] = x.shape;
  const hr = divDim(h, r);
  const wr = divDim(w, r);
  const split6 = reshape(x, [n, c, hr, r, wr, r]);
  const moved = transpose(split6, [0, 1, 3, 5, 2, 4]);
  return reshape(moved, [n, mulDim(c, r * r), hr, wr]);
}

/** Element `index` of a 1-D tensor, as a scalar (Gather on axis 0). */
export function element(x: Value, index: number): Value {
  const g = x.graph;
  if (x.rank !== 1) throw new GraphError('Gather', g.pendingNodeName('Gather'), 'element() takes a 1-D tensor', { x: x.shape });
  const indices = g.constant(BigInt64Array.from([BigInt(index)]), [], 'index');
  return g.addNode('Gather', [x, indices], { axis: 0 }, [{ dtype: x.dtype, shape: [] }])[0];
}
