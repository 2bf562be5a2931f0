import { Graph, Value } from '../../ir/graph';

/**
 * Hands out parameters under a dotted prefix, so graph initializers carry the authors'
 * state-dict names (`encoder_level1.attn.qkv.weight`). Asking twice for a name returns the
 * same value: that is how repeated blocks share weights.
 */
export class ParamScope {
  constructor(
    readonly graph: Graph,
    readonly prefix = '',
  ) {}

  get(name: string, shape: number[]): Value {
    return this.graph.param(this.qualify(name), shape);
  }

  child(name: string | number): ParamScope {
    return new ParamScope(this.graph, this.qualify(String(name)));
  }

  private qualify(name: string): string {
    return this.prefix ? `${this.prefix}.${name}` : name;
  }
}

/** Runs a module body with its parameters under `name` and its nodes scoped as `nodeScope`. */
export function module<T>(p: ParamScope, name: string | number, body: (p: ParamScope) => T, nodeScope?: string): T {
  const child = p.child(name);
  return p.graph.scope(nodeScope ?? String(name), () => body(child));
}
