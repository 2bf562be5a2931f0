/**
 * Counter-based seeding: every random draw of the pipeline comes from a generator keyed by
 * (seed, stream tag, index), so a sample or a permutation never depends on what was drawn before.
 * Keys are mixed with MurmurHash3's steps; the generator is sfc32. Math.log/cos/sin/exp are V8's
 * own fdlibm ports, so the draws are the same in every thread and on every machine.
 */

/** Stream tags: one per use, so that no two uses share a generator. */
export const STREAM = { sample: 1, permutation: 2 } as const;

const TWO32 = 4294967296;

function mix(h: number, k: number): number {
  k = Math.imul(k, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/** MurmurHash3's finaliser: every input bit affects every output bit. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Hashes integer keys (any safe integer, negative ones included) to 32 bits. */
export function hashKeys(keys: readonly number[]): number {
  let h = 0x9747b28c;
  for (const key of keys) {
    h = mix(h, key >>> 0);
    h = mix(h, Math.floor(key / TWO32) >>> 0);
  }
  return fmix32(h ^ (keys.length * 8));
}

/** sfc32 seeded from a key; uniform, integer and normal draws. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d = 1;
  private spare = NaN;

  constructor(...keys: number[]) {
    const h = hashKeys(keys);
    this.a = fmix32(h ^ 0x243f6a88);
    this.b = fmix32(h ^ 0x85a308d3);
    this.c = fmix32(h ^ 0x13198a2e);
    for (let i = 0; i < 12; i++) this.u32();
  }

  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  float(): number {
    return this.u32() / TWO32;
  }

  /** Uniform in [lo, hi). */
  range(lo: number, hi: number): number {
    return lo + (hi - lo) * this.float();
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }

  /** Standard normal (Box-Muller, both values of each pair used). */
  normal(): number {
    if (!Number.isNaN(this.spare)) {
      const z = this.spare;
      this.spare = NaN;
      return z;
    }
    const r = Math.sqrt(-2 * Math.log(1 - this.float()));
    const phi = 2 * Math.PI * this.float();
    this.spare = r * Math.sin(phi);
    return r * Math.cos(phi);
  }
}

/** A permutation of 0..n-1 (Fisher-Yates). */
export function permutation(n: number, rng: Rng): Uint32Array {
  const p = new Uint32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}
