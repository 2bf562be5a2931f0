/**
 * Tensor dimensions: a number when known at build time, or a symbolic monomial such as `N`,
 * `H/2` or `H*W/16` when it depends on the graph's input size. Monomials are all DyNet needs
 * (resampling halves and doubles, attention flattens H*W) and they compare exactly.
 */
export type Dim = number | SymDim;

function gcd(a: number, b: number): number {
  return b === 0 ? Math.abs(a) : gcd(b, a % b);
}

export class SymDim {
  /** coefficient num/den times the product of symbols raised to their exponents */
  private constructor(
    readonly num: number,
    readonly den: number,
    readonly factors: ReadonlyArray<readonly [string, number]>,
  ) {}

  static of(symbol: string): SymDim {
    return new SymDim(1, 1, [[symbol, 1]]);
  }

  static make(num: number, den: number, factors: Map<string, number>): Dim {
    const g = gcd(num, den);
    const sorted = [...factors].filter(([, e]) => e !== 0).sort(([a], [b]) => (a < b ? -1 : 1));
    if (sorted.length === 0) {
      if (num % den !== 0) throw new RangeError(`dimension ${num}/${den} is not an integer`);
      return num / den;
    }
    return new SymDim(num / g, den / g, sorted);
  }

  toString(): string {
    const body = this.factors.map(([s, e]) => (e === 1 ? s : `${s}^${e}`)).join('*');
    const lead = this.num === 1 ? body : `${this.num}*${body}`;
    return this.den === 1 ? lead : `${lead}/${this.den}`;
  }
}

function parts(d: Dim): { num: number; den: number; factors: Map<string, number> } {
  if (typeof d === 'number') return { num: d, den: 1, factors: new Map() };
  return { num: d.num, den: d.den, factors: new Map(d.factors) };
}

export function mulDim(a: Dim, b: Dim): Dim {
  const pa = parts(a);
  const pb = parts(b);
  for (const [s, e] of pb.factors) pa.factors.set(s, (pa.factors.get(s) ?? 0) + e);
  return SymDim.make(pa.num * pb.num, pa.den * pb.den, pa.factors);
}

/** a / k for a positive integer k. */
export function divDim(a: Dim, k: number): Dim {
  const pa = parts(a);
  if (typeof a === 'number' && a % k !== 0) throw new RangeError(`dimension ${a} is not divisible by ${k}`);
  return SymDim.make(pa.num, pa.den * k, pa.factors);
}

export function dimEquals(a: Dim, b: Dim): boolean {
  return dimToString(a) === dimToString(b);
}

export function dimToString(d: Dim): string {
  return typeof d === 'number' ? String(d) : d.toString();
}

export function shapeToString(shape: readonly Dim[]): string {
  return `[${shape.map(dimToString).join(',')}]`;
}

export function isStatic(shape: readonly Dim[]): shape is number[] {
  return shape.every((d) => typeof d === 'number');
}

/** Evaluates a dimension with concrete sizes for its symbols (e.g. {N: 1, H: 224, W: 224}). */
export function evalDim(d: Dim, sizes: Record<string, number>): number {
  if (typeof d === 'number') return d;
  let v = d.num;
  for (const [s, e] of d.factors) {
    const size = sizes[s];
    if (size === undefined) throw new RangeError(`no size given for dimension symbol '${s}'`);
    v *= size ** e;
  }
  return v / d.den;
}

export function numel(shape: readonly Dim[]): Dim {
  return shape.reduce<Dim>((acc, d) => mulDim(acc, d), 1);
}
