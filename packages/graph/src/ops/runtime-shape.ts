import { GraphError } from '../errors';
import { Dim, dimToString } from '../ir/dim';
import { Graph, Value } from '../ir/graph';

/**
 * A 1-D int64 tensor holding `dims` at run time. Symbolic dims are computed from the graph input
 * they come from (`Shape` with start/end, then Mul/Div by constants), once per distinct dim.
 */
export function runtimeShape(g: Graph, dims: readonly Dim[]): Value {
  const pieces: Value[] = [];
  let run: number[] = [];
  const flush = () => {
    if (run.length) pieces.push(g.ints(run));
    run = [];
  };
  for (const d of dims) {
    if (typeof d === 'number') run.push(d);
    else {
      flush();
      pieces.push(runtimeDim(g, d));
    }
  }
  flush();
  if (pieces.length === 1) return pieces[0];
  return concatInts(g, pieces);
}

function runtimeDim(g: Graph, d: Exclude<Dim, number>): Value {
  const key = `dim:${dimToString(d)}`;
  const hit = g.memo.get(key);
  if (hit) return hit;
  let acc: Value | null = null;
  for (const [sym, exp] of d.factors) {
    const src = g.symbolSources.get(sym);
    if (!src || exp < 1) throw new GraphError('Shape', key, `dimension symbol '${sym}' has no graph input to read it from`);
    const one = shapeSlice(g, src.value, src.axis);
    for (let e = 0; e < exp; e++) acc = acc ? intOp(g, 'Mul', acc, one) : one;
  }
  let v = acc as Value;
  if (d.num !== 1) v = intOp(g, 'Mul', v, g.ints([d.num]));
  if (d.den !== 1) v = intOp(g, 'Div', v, g.ints([d.den]));
  g.memo.set(key, v);
  return v;
}

function shapeSlice(g: Graph, x: Value, axis: number): Value {
  const key = `shape:${x.name}:${axis}`;
  const hit = g.memo.get(key);
  if (hit) return hit;
  const v = g.addNode('Shape', [x], { start: axis, end: axis + 1 }, [{ dtype: 'int64', shape: [1] }])[0];
  g.memo.set(key, v);
  return v;
}

function intOp(g: Graph, opType: 'Mul' | 'Div', a: Value, b: Value): Value {
  return g.addNode(opType, [a, b], {}, [{ dtype: 'int64', shape: [1] }])[0];
}

function concatInts(g: Graph, pieces: Value[]): Value {
  const len = pieces.reduce((n, p) => n + (p.shape[0] as number), 0);
  return g.addNode('Concat', pieces, { axis: 0 }, [{ dtype: 'int64', shape: [len] }])[0];
}
