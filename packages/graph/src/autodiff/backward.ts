/**
 * Reverse-mode differentiation over the graph IR. Appends to the graph the nodes computing
 * d(loss)/d(target) for each target: visits, in reverse order, only the nodes that lie between
 * the targets and the loss, and sums gradients where a value feeds several consumers (the
 * shared blocks of rep(B, f) get one gradient summed over every repetition).
 */
import { GraphError } from '../errors';
import { dimEquals, shapeToString } from '../ir/dim';
import { Composite, Graph, Node, Value } from '../ir/graph';
import { COMPOSITE_RULES } from './rules/composite';
import { add } from '../ops/elementwise';
import { GRADIENT_RULES } from './registry';

/** Gradients of a scalar `loss` for each target; a target off the loss's path maps to null. */
export function gradients(g: Graph, loss: Value, targets: readonly Value[]): Map<Value, Value | null> {
  if (loss.rank !== 0) throw new GraphError('autodiff', loss.name, 'the loss must be a scalar', { loss: loss.shape });
  const active = between(g, targets, loss);
  const grads = new Map<Value, Value>([[loss, g.scalar(1)]]);
  const accumulate = (v: Value, dv: Value) => {
    const prior = grads.get(v);
    grads.set(v, prior ? add(prior, dv) : dv);
  };
  const end = g.nodes.indexOf(loss.producer!);
  const forward = g.nodes.slice(0, end + 1);
  const { finals, interior } = usableComposites(g, forward);
  for (let i = forward.length - 1; i >= 0; i--) {
    const node = forward[i];
    if (!active.nodes.has(node) || interior.has(node)) continue;
    const c = finals.get(node);
    if (c) {
      const dy = grads.get(c.output);
      if (!dy) continue;
      const dxs = g.scope(`grad/${node.name}`, () => COMPOSITE_RULES[c.kind](c, dy));
      c.inputs.forEach((x, k) => {
        if (active.values.has(x)) accumulate(x, dxs[k]);
      });
      continue;
    }
    const dys = node.outputs.map((o) => grads.get(o) ?? null);
    if (dys.every((d) => d === null)) continue;
    const rule = GRADIENT_RULES.get(node.opType);
    if (!rule) throw new GraphError(node.opType, node.name, `no gradient rule for op '${node.opType}'`);
    const wants = (k: number) => node.inputs[k] !== null && active.values.has(node.inputs[k]!);
    const dxs = g.scope(`grad/${node.name}`, () => rule(node, dys, { graph: g, wants }));
    // rules may list null for optional inputs the node omitted
    if (dxs.length < node.inputs.length || dxs.slice(node.inputs.length).some((d) => d !== null)) {
      throw new GraphError(node.opType, node.name, `gradient rule returned ${dxs.length} gradients, expected ${node.inputs.length}`);
    }
    dxs.forEach((dx, k) => {
      const x = node.inputs[k];
      if (!x || !wants(k) || !dx) return;
      if (x.rank !== dx.rank || !x.shape.every((d, j) => dimEquals(d, dx.shape[j]))) {
        throw new GraphError(node.opType, node.name, `gradient of input ${k} has shape ${shapeToString(dx.shape)}, the input ${shapeToString(x.shape)}`);
      }
      accumulate(x, dx);
    });
  }
  return new Map(targets.map((t) => [t, grads.get(t) ?? null]));
}

/**
 * Composites whose intermediates nobody outside reads: their final node takes the composite's
 * rule and the nodes before it are skipped.
 */
function usableComposites(g: Graph, forward: readonly Node[]): { finals: Map<Node, Composite>; interior: Set<Node> } {
  const consumers = new Map<Value, Node[]>();
  for (const n of forward) for (const v of n.inputs) if (v) consumers.set(v, [...(consumers.get(v) ?? []), n]);
  const finals = new Map<Node, Composite>();
  const interior = new Set<Node>();
  for (const c of g.composites) {
    const own = new Set(c.nodes);
    const final = c.output.producer;
    const sealed = c.nodes.every((n) => n === final || n.outputs.every((o) => (consumers.get(o) ?? []).every((user) => own.has(user))));
    if (!final || !own.has(final) || !sealed || !COMPOSITE_RULES[c.kind] || g.outputs.some((o) => own.has(o.producer!) && o !== c.output)) continue;
    finals.set(final, c);
    for (const n of c.nodes) if (n !== final) interior.add(n);
  }
  return { finals, interior };
}

/** Values and nodes on some path from a target to the loss (only they need gradients). */
function between(g: Graph, targets: readonly Value[], loss: Value): { nodes: Set<Node>; values: Set<Value> } {
  const fromTargets = new Set<Value>(targets);
  for (const n of g.nodes) {
    if (n.inputs.some((v) => v && fromTargets.has(v) && v.dtype === 'float32')) n.outputs.forEach((o) => fromTargets.add(o));
  }
  const values = new Set<Value>();
  const nodes = new Set<Node>();
  const stack = [loss];
  while (stack.length) {
    const v = stack.pop()!;
    if (values.has(v) || !fromTargets.has(v)) continue;
    values.add(v);
    if (v.producer) {
      nodes.add(v.producer);
      for (const x of v.producer.inputs) if (x) stack.push(x);
    }
  }
  return { nodes, values };
}
