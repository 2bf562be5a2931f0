import { Graph, Node, Value } from '../ir/graph';

/** What a gradient rule is told besides the node and the upstream gradients. */
export interface RuleContext {
  graph: Graph;
  /** whether input i needs a gradient (rules skip building the others) */
  wants(i: number): boolean;
}

/**
 * A gradient rule: given a forward node and the gradient of the loss with respect to each of
 * its outputs (null where no gradient flows), returns one gradient per input, null where
 * none flows (shape inputs, constants, inputs nobody asked for).
 */
export type GradRule = (node: Node, dy: readonly (Value | null)[], ctx: RuleContext) => (Value | null)[];

export type RuleTable = Readonly<Record<string, GradRule>>;
