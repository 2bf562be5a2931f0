import { Graph, Value } from '../../ir/graph';

/** Where a parameter's value comes from, by full name: a graph parameter unless told otherwise. */
export type ParamSource = (name: string, shape: number[]) => Value;

/**
 * Hands out parameters under a dotted prefix, so graph initializers carry the authors'
 * state-dict names (`encoder_level1.attn.qkv.weight`). Asking twice for a name returns the
 * same value: that is how repeated blocks share weights.
 */
export class ParamScope {
  constructor(
    readonly graph: Graph,
    readonly prefix = '',
    private readonly source: ParamSource = (name, shape) => graph.param(name, shape),
  ) {}

  get(name: string, shape: number[]): Value {
    return this.source(this.qualify(name), shape);
  }

  child(name: string | number): ParamScope {
    return new ParamScope(this.graph, this.qualify(String(name)), this.source);
  }

  /** The same parameters, each passed through `f` where it is read. */
  mapped(f: (param: Value) => Value): ParamScope {
    return new ParamScope(this.graph, this.prefix, (name, shape) => f(this.source(name, shape)));
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
