import { GraphError } from '../errors';
import { Dim, SymDim, dimToString } from './dim';
import { DType } from './dtype';

/** A node's subgraph (Loop's body): its own inputs, outputs and nodes; it may read any outer value by name. */
export interface Subgraph {
  readonly inputs: readonly Value[];
  readonly outputs: readonly Value[];
  readonly nodes: readonly Node[];
}

export type AttrValue = number | number[] | string | { readonly subgraph: Subgraph };
export type Attrs = Record<string, AttrValue>;

export type ValueKind = 'input' | 'param' | 'const' | 'node';

/** Constant tensor data stored inline in the graph (shape vectors, scalars, small tables). */
export type ConstData = Float32Array | BigInt64Array | Uint8Array;

/** A tensor flowing through the graph: dtype and (possibly symbolic) shape are always known. */
export class Value {
  constructor(
    readonly graph: Graph,
    public name: string,
    readonly dtype: DType,
    readonly shape: readonly Dim[],
    readonly kind: ValueKind,
    readonly producer: Node | null = null,
    readonly constData: ConstData | null = null,
  ) {}

  get rank(): number {
    return this.shape.length;
  }

  toString(): string {
    return `${this.name}: ${this.dtype}[${this.shape.map(dimToString).join(',')}]`;
  }
}

/**
 * A derived op (gelu, l2 normalisation) recorded over the primitive nodes that compute it, so
 * autodiff can apply one rule that needs only the composite's inputs instead of keeping
 * every intermediate alive for the backward pass.
 */
export interface Composite {
  kind: string;
  inputs: readonly Value[];
  output: Value;
  nodes: readonly Node[];
  /** interior values the composite's gradient rule may read (small ones, e.g. a norm) */
  saved: Readonly<Record<string, Value>>;
}

/**
 * Forward nodes that compute one value from `input` (and parameters): autodiff may recompute
 * them from `input` in the backward pass instead of keeping their outputs alive from the
 * forward (gradient checkpointing; see gradients' `recompute`).
 */
export interface Segment {
  input: Value;
  nodes: readonly Node[];
}

export interface Node {
  readonly opType: string;
  readonly name: string;
  /** null marks an omitted optional input (serialised as the empty name) */
  readonly inputs: readonly (Value | null)[];
  readonly outputs: readonly Value[];
  readonly attrs: Readonly<Attrs>;
}

/** The output description an op helper gives when it adds a node. */
export interface OutputSpec {
  dtype: DType;
  shape: readonly Dim[];
}

/**
 * A graph under construction. Op helpers (packages/graph/src/ops) add nodes through `addNode`
 * after inferring output shapes; model code only calls op helpers. Names are deterministic:
 * node and value names derive from the current scope and a counter.
 */
export class Graph {
  readonly nodes: Node[] = [];
  readonly inputs: Value[] = [];
  readonly outputs: Value[] = [];
  readonly params = new Map<string, Value>();
  readonly constants: Value[] = [];
  /** for each dimension symbol, the graph input and axis it is read from at run time */
  readonly symbolSources = new Map<string, { value: Value; axis: number }>();
  /** memo for helpers that build the same small subgraph many times (e.g. runtime shapes) */
  readonly memo = new Map<string, Value>();
  /** derived ops built from primitives that autodiff may differentiate as a whole */
  readonly composites: Composite[] = [];
  /**
   * The NCHWc block size of ONNX Runtime's CPU provider this graph is built for (ops/nchwc.ts),
   * or 0: standard ops for any runtime. Only training graphs for the CPU set it.
   */
  nchwcBlock = 0;
  /** stretches of the forward that training graphs may recompute instead of storing */
  readonly segments: Segment[] = [];
  private readonly scopes: string[] = [];
  private readonly usedNames = new Set<string>();
  private readonly counters = new Map<string, number>();

  input(name: string, dtype: DType, shape: readonly (Dim | string)[]): Value {
    const dims = shape.map((d) => (typeof d === 'string' ? SymDim.of(d) : d));
    const v = new Value(this, this.claim(name), dtype, dims, 'input');
    dims.forEach((d, axis) => {
      if (typeof d !== 'number' && d.factors.length === 1 && d.num === 1 && d.den === 1) {
        const sym = d.factors[0][0];
        if (!this.symbolSources.has(sym)) this.symbolSources.set(sym, { value: v, axis });
      }
    });
    this.inputs.push(v);
    return v;
  }

  /** A trainable parameter; its data is bound at serialisation. Asking twice returns the same value. */
  param(name: string, shape: readonly number[]): Value {
    const existing = this.params.get(name);
    if (existing) {
      if (existing.shape.join(',') !== shape.join(',')) {
        throw new GraphError('param', name, `requested with shape [${shape}] but declared as [${existing.shape}]`);
      }
      return existing;
    }
    const v = new Value(this, this.claim(name), 'float32', shape, 'param');
    this.params.set(name, v);
    return v;
  }

  constant(data: ConstData, shape: readonly number[], hint = 'const'): Value {
    const dtype: DType = data instanceof Float32Array ? 'float32' : data instanceof BigInt64Array ? 'int64' : 'bool';
    const key = `const:${dtype}:${shape.join(',')}:${Array.from(data as ArrayLike<number | bigint>).join(',')}`;
    const cached = this.memo.get(key);
    if (cached) return cached;
    const v = new Value(this, this.freshName(hint), dtype, shape, 'const', null, data);
    this.constants.push(v);
    this.memo.set(key, v);
    return v;
  }

  scalar(x: number): Value {
    return this.constant(new Float32Array([x]), [], 'scalar');
  }

  ints(values: readonly number[]): Value {
    return this.constant(BigInt64Array.from(values.map(BigInt)), [values.length], 'ints');
  }

  /** A value a subgraph receives from its node (e.g. Loop's iteration number): named here, not a graph input. */
  subgraphInput(name: string, dtype: DType, shape: readonly Dim[]): Value {
    return new Value(this, this.freshName(name), dtype, shape, 'input');
  }

  output(v: Value, name: string): void {
    if (v.kind === 'node' && !this.usedNames.has(name)) {
      this.usedNames.delete(v.name);
      v.name = this.claim(name);
    } else if (v.name !== name) {
      throw new GraphError('output', name, `cannot name ${v.kind} value '${v.name}' as a graph output`);
    }
    this.outputs.push(v);
  }

  /** Runs `body` with `name` appended to the naming scope (nodes inside get `a.b.Op_3` names). */
  scope<T>(name: string, body: () => T): T {
    this.scopes.push(name);
    try {
      return body();
    } finally {
      this.scopes.pop();
    }
  }

  get currentScope(): string {
    return this.scopes.join('.');
  }

  addNode(opType: string, inputs: readonly (Value | null)[], attrs: Attrs, outputs: readonly OutputSpec[]): Value[] {
    const base = this.currentScope ? `${this.currentScope}/${opType}` : opType;
    const name = this.freshName(base);
    const outs: Value[] = [];
    const node: Node = { opType, name, inputs, outputs: outs, attrs };
    outputs.forEach((spec, i) => {
      if (!spec.shape.every((d) => typeof d !== 'number' || (Number.isInteger(d) && d > 0))) {
        throw new GraphError(opType, name, `inferred an invalid output shape`, { output: spec.shape });
      }
      outs.push(new Value(this, outputs.length === 1 ? name : `${name}:${i}`, spec.dtype, spec.shape, 'node', node));
    });
    outs.forEach((o) => this.usedNames.add(o.name));
    this.nodes.push(node);
    return outs;
  }

  /** Name of the node an op helper is about to add, for error messages. */
  pendingNodeName(opType: string): string {
    const base = this.currentScope ? `${this.currentScope}/${opType}` : opType;
    let i = this.counters.get(base) ?? 0;
    while (this.usedNames.has(`${base}_${i}`)) i++;
    return `${base}_${i}`;
  }

  private claim(name: string): string {
    if (this.usedNames.has(name)) throw new GraphError('Graph', name, 'name is already taken');
    this.usedNames.add(name);
    return name;
  }

  private freshName(base: string): string {
    let i = this.counters.get(base) ?? 0;
    while (this.usedNames.has(`${base}_${i}`)) i++;
    this.counters.set(base, i + 1);
    const name = `${base}_${i}`;
    this.usedNames.add(name);
    return name;
  }
}
