/**
 * Curation settings and their defaults. The thresholds were chosen on the 72 sample photos and
 * copies of them damaged by Gaussian blur, JPEG and Gaussian noise (docs/curation.md; figures
 * reproduced by tools/calibrate-curate.js).
 */

export type MetricName = 'niqe' | 'blur' | 'blockiness';
export const METRICS: readonly MetricName[] = ['niqe', 'blur', 'blockiness'];

export interface CurateSettings {
  /** Patch side in pixels. */
  patch: number;
  /** Images whose shorter side is below this are dropped before scoring. */
  minSide: number;
  /** Patches with a larger flat share are dropped. */
  maxFlat: number;
  /** Flat detector: cell side and gradient-energy threshold. */
  flatBlock: number;
  flatEnergy: number;
  /** Enabled metrics; an image is kept only if every one passes ("mutual consensus"). */
  metrics: MetricName[];
  niqeMax: number;
  blurMax: number;
  blockinessMax: number;
}

export const DEFAULTS: CurateSettings = {
  patch: 512,
  minSide: 512,
  maxFlat: 0.5,
  flatBlock: 16,
  flatEnergy: 16,
  metrics: [...METRICS],
  niqeMax: 9,
  blurMax: 0.73,
  blockinessMax: 1.3,
};

/** Throws RangeError naming the first invalid setting. */
export function checkSettings(s: CurateSettings): void {
  const int = (name: string, v: number, min: number) => {
    if (!Number.isInteger(v) || v < min) throw new RangeError(`--${name} must be an integer >= ${min}, got ${v}`);
  };
  int('patch', s.patch, 16);
  int('min-side', s.minSide, 1);
  int('flat-block', s.flatBlock, 2);
  if (s.flatBlock > s.patch) throw new RangeError(`--flat-block (${s.flatBlock}) must not exceed --patch (${s.patch})`);
  if (!(s.maxFlat >= 0 && s.maxFlat <= 1)) throw new RangeError(`--max-flat must lie in [0, 1], got ${s.maxFlat}`);
  for (const [name, v] of [['flat-energy', s.flatEnergy], ['niqe-max', s.niqeMax], ['blur-max', s.blurMax], ['blockiness-max', s.blockinessMax]] as const) {
    if (!Number.isFinite(v) || v < 0) throw new RangeError(`--${name} must be a number >= 0, got ${v}`);
  }
  for (const m of s.metrics) if (!METRICS.includes(m)) throw new RangeError(`--metrics: unknown metric '${m}' (${METRICS.join(', ')})`);
}
