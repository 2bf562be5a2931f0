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

function unary(opType: 'Erf' | 'Exp' | 'Sign' | 'Sqrt' | 'Neg' | 'Abs' | 'Identity', x: Value): Value {
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
export const exp = (x: Value): Value => unary('Exp', x);
/** -1, 0 or 1 */
export const sign = (x: Value): Value => unary('Sign', x);
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

function compare(opType: 'GreaterOrEqual' | 'LessOrEqual', a: Value, bIn: Operand): Value {
  const b = lift(a, bIn);
  const shape = broadcastShapes(opType, a.graph.pendingNodeName(opType), a.shape, b.shape);
  return a.graph.addNode(opType, [a, b], {}, [{ dtype: 'bool', shape }])[0];
}

/** a >= b, as bool */
export const greaterOrEqual = (a: Value, b: Operand): Value => compare('GreaterOrEqual', a, b);
/** a <= b, as bool */
export const lessOrEqual = (a: Value, b: Operand): Value => compare('LessOrEqual', a, b);

/** cond ? a : b, elementwise with broadcasting */
export function where(cond: Value, a: Value, bIn: Operand): Value {
  const g = a.graph;
  const b = lift(a, bIn);
  const node = g.pendingNodeName('Where');
  if (cond.dtype !== 'bool') throw new GraphError('Where', node, `condition must be bool, got ${cond.dtype}`);
  const shape = broadcastShapes('Where', node, broadcastShapes('Where', node, cond.shape, a.shape), b.shape);
  return g.addNode('Where', [cond, a, b], {}, [{ dtype: a.dtype, shape }])[0];
}
