/**
 * Fresh parameters, initialised as the authors' PyTorch code does: convolutions and linear
 * weights with PyTorch's default kaiming-uniform (a = sqrt 5, so bound = 1/sqrt(fan_in)),
 * linear biases uniform in +-1/sqrt(fan_in), prompts uniform in [0, 1), norms 1 and 0,
 * temperatures 1. Each parameter draws from its own stream seeded by (seed, name), so adding
 * a parameter never changes another's values.
 */
import { StateDict } from '../../weights/types';
import { ParamSpec } from './parameters';

export function initParameters(specs: readonly ParamSpec[], seed: number): StateDict {
  const shapes = new Map(specs.map((s) => [s.name, s.shape]));
  const out: StateDict = new Map();
  for (const { name, shape } of specs) {
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    const rng = new Xoshiro128(seed, name);
    const uniform = (bound: number) => data.forEach((_, i) => (data[i] = (2 * rng.next() - 1) * bound));
    if (name.endsWith('.temperature') || name.endsWith('.body.weight')) data.fill(1);
    else if (name.endsWith('.body.bias')) data.fill(0);
    else if (name.endsWith('.prompt_param')) data.forEach((_, i) => (data[i] = rng.next()));
    else if (name.endsWith('.bias')) uniform(1 / Math.sqrt(fanIn(shapes.get(name.replace(/bias$/, 'weight')), name)));
    else uniform(1 / Math.sqrt(fanIn(shape, name)));
    out.set(name, { shape: [...shape], data });
  }
  return out;
}

/** PyTorch's fan-in of a weight: every axis but the first. */
function fanIn(weightShape: number[] | undefined, name: string): number {
  if (!weightShape || weightShape.length < 2) throw new RangeError(`initParameters: no weight of rank >= 2 for '${name}'`);
  return weightShape.slice(1).reduce((a, b) => a * b, 1);
}

/** xoshiro128** seeded through splitmix32 from the seed and a name. */
export class Xoshiro128 {
  private s: Uint32Array;

  constructor(seed: number, name = '') {
    let h = (seed >>> 0) ^ 0x9e3779b9;
    for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
    const s = new Uint32Array(4);
    for (let i = 0; i < 4; i++) {
      h = (h + 0x9e3779b9) >>> 0;
      let z = h;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      s[i] = (z ^ (z >>> 16)) >>> 0;
    }
    this.s = s;
  }

  /** uniform float in [0, 1) with 24 random bits (exactly representable in float32) */
  next(): number {
    return (this.nextUint32() >>> 8) / 16777216;
  }

  nextUint32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1] << 9) >>> 0;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
