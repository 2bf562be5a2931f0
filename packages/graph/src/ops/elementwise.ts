import { GraphError } from '../errors';
import { Value } from '../ir/graph';
import { broadcastShapes } from './broadcast';

type Operand = Value | number;

function lift(x: Value, y: Operand): Value {
  return typeof y === 'number' ? x.graph.scalar(y) : y;
}

function binary(opType: 'Add' | 'Sub' | 'Mul' | 'Div' | 'Pow' | 'Max', a: Value, bIn: Operand): Value {
  const b = lift(a, bIn);
  const g = a.graph;
  const node = g.pendingNodeName(opType);
  if (a.dtype !== b.dtype) throw new GraphError(opType, node, `dtypes differ: ${a.dtype} and ${b.dtype}`);
  const shape = broadcastShapes(opType, node, a.shape, b.shape);
  return g.addNode(opType, [a, b], {}, [{ dtype: a.dtype, shape }])[0];
}

function unary(opType: 'Erf' | 'Sqrt' | 'Neg' | 'Abs' | 'Identity', x: Value): Value {
  return x.graph.addNode(opType, [x], {}, [{ dtype: x.dtype, shape: x.shape }])[0];
}

/** a + b (numpy broadcasting) */
export const add = (a: Value, b: Operand): Value => binary('Add', a, b);
/** a - b */
export const sub = (a: Value, b: Operand): Value => binary('Sub', a, b);
/** a * b */
export const mul = (a: Value, b: Operand): Value => binary('Mul', a, b);
/** a / b */
export const div = (a: Value, b: Operand): Value => binary('Div', a, b);
/** a ** b */
export const pow = (a: Value, b: Operand): Value => binary('Pow', a, b);
/** elementwise max(a, b) */
export const max = (a: Value, b: Operand): Value => binary('Max', a, b);

export const erf = (x: Value): Value => unary('Erf', x);
export const sqrt = (x: Value): Value => unary('Sqrt', x);
export const neg = (x: Value): Value => unary('Neg', x);
export const abs = (x: Value): Value => unary('Abs', x);
export const identity = (x: Value): Value => unary('Identity', x);

/** clamp(x, min, max); either bound may be omitted */
export function clip(x: Value, bounds: { min?: number; max?: number }): Value {
  const g = x.graph;
  const lo = bounds.min === undefined ? null : g.scalar(bounds.min);
  const hi = bounds.max === undefined ? null : g.scalar(bounds.max);
  return g.addNode('Clip', [x, lo, hi], {}, [{ dtype: x.dtype, shape: x.shape }])[0];
}
