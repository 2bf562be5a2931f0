/** Ops composed from primitives: they need no gradient rule of their own. */
import { Composite, Value } from '../ir/graph';
import { add, div, erf, max, mul } from './elementwise';
import { reduceL2 } from './reduce';

/** Builds a composite and records it with the nodes it added (see Composite). */
function composite(kind: string, inputs: Value[], build: (saved: Record<string, Value>) => Value): Value {
  const g = inputs[0].graph;
  const first = g.nodes.length;
  const saved: Record<string, Value> = {};
  const output = build(saved);
  const c: Composite = { kind, inputs, output, nodes: g.nodes.slice(first), saved };
  g.composites.push(c);
  return output;
}

/** exact GELU: x * 0.5 * (1 + erf(x / sqrt 2)), in the order PyTorch exports it (ORT fuses it) */
export function gelu(x: Value): Value {
  return composite('Gelu', [x], () => mul(mul(x, add(erf(div(x, Math.SQRT2)), 1)), 0.5));
}

/**
 * GDFN's gate gelu(x1) * x2 as one composite, so that its gradient reads only x1 and x2: the
 * gelu output is recomputed in the backward pass instead of being kept from the forward.
 */
export function gatedGelu(x1: Value, x2: Value): Value {
  return composite('GatedGelu', [x1, x2], () => mul(gelu(x1), x2));
}

/** x / max(||x||_2, eps) along `axis`: PyTorch's F.normalize */
export function l2Normalize(x: Value, axis: number, eps = 1e-12): Value {
  return composite('L2Normalize', [x], (saved) => {
    saved.norm = reduceL2(x, [axis]);
    saved.denom = max(saved.norm, eps);
    saved.eps = x.graph.scalar(eps);
    saved.axis = x.graph.ints([axis < 0 ? axis + x.rank : axis]);
    return div(x, saved.denom);
  });
}
