/** The configuration of a DyNet network; `reuse` is the only difference between S and L. */
export interface DynetConfig {
  /** preset name, recorded in exported graphs */
  name: string;
  /** base width C (48 in the paper) */
  dim: number;
  /** attention heads per level: encoder/decoder levels 1..3 and the latent */
  heads: [number, number, number, number];
  /** heads of the noise_level1..3 blocks (4 at every level in the released code) */
  noiseHeads: number;
  /** GDFN hidden width factor: m = floor(d * ffnFactor) */
  ffnFactor: number;
  /** prompt widths p of prompt1..3 (the spatial size s and the linear width l derive from the level) */
  promptDims: [number, number, number];
  /** prompt spatial sizes s of prompt1..3 */
  promptSizes: [number, number, number];
  /** number of prompt components L */
  promptLen: number;
  refinementBlocks: number;
  reuse: Record<Variant, Reuse>;
}

export type Variant = 'S' | 'L';
/** how often each level's block is applied: [f1, f2, f3, f4] */
export type Reuse = [number, number, number, number];

export const VARIANTS: readonly Variant[] = ['S', 'L'];

const PAPER_REUSE: Record<Variant, Reuse> = { S: [2, 3, 3, 4], L: [4, 6, 6, 8] };

/** The published network (16,726,031 parameters). */
export const FULL: DynetConfig = {
  name: 'full',
  dim: 48,
  heads: [1, 2, 4, 8],
  noiseHeads: 4,
  ffnFactor: 2.66,
  promptDims: [64, 128, 320],
  promptSizes: [64, 32, 16],
  promptLen: 5,
  refinementBlocks: 4,
  reuse: PAPER_REUSE,
};

/** Same topology and reuse, a third of the width and a quarter of the prompt width: for tests and CPU training. */
export const SMALL: DynetConfig = { ...FULL, name: 'small', dim: 16, promptDims: [16, 32, 80] };

export const PRESETS: Record<string, DynetConfig> = { full: FULL, small: SMALL };

export function presetConfig(name: string): DynetConfig {
  const c = PRESETS[name];
  if (!c) throw new RangeError(`unknown preset '${name}' (expected one of: ${Object.keys(PRESETS).join(', ')})`);
  return c;
}

/** GDFN hidden width, computed as Python's int(d * factor) does. */
export function ffnHidden(d: number, factor: number): number {
  return Math.floor(d * factor);
}
