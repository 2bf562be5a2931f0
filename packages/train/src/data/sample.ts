/**
 * Batch k as a pure function of (options, k). Sample s = k * batch + j has its own generator
 * keyed by (seed, s); its image is entry s mod n of the permutation of its source for epoch
 * floor(s / n), keyed by (seed, source, epoch). Nothing depends on earlier samples, on which
 * worker makes a batch, or on when.
 */
import { addHaze, drawHazeParams } from './haze';
import { ImageCache, cropRgb, dihedral, writePlanar } from './image';
import { addGaussianNoise } from './noise';
import type { DataPlan, Settings } from './plan';
import { drawPretrainParams, pretrainCorrupt } from './pretrain';
import { addRain, drawRainParams } from './rain';
import { Rng, STREAM, permutation } from './rng';
import type { Batch, ImageEntry, ImagePair, SampleInfo, SampleKind } from './types';

/** The part of a plan the workers need. */
export type WorkerPlan = Pick<DataPlan, 'settings' | 'clean' | 'derain' | 'dehaze'>;

type SourceName = 'clean' | 'derain' | 'dehaze';
const SOURCE_TAG: Record<SourceName, number> = { clean: 0, derain: 1, dehaze: 2 };

interface Choice {
  kind: SampleKind;
  sigma?: number;
  /** relative weight; only read where the settings give a task mix */
  weight: number;
}

/**
 * The degradations a task draws from: all-in-one has one entry per sigma plus derain and dehaze,
 * drawn uniformly (as AirNet cycles its de_type list) unless a mix weights them.
 */
function choices(s: Settings): Choice[] {
  const perSigma = s.mix ? s.mix.denoise / s.sigmas.length : 1;
  const denoise = s.sigmas.map((sigma) => ({ kind: 'denoise' as const, sigma, weight: perSigma }));
  switch (s.task) {
    case 'denoise':
      return denoise;
    case 'all-in-one':
      return [...denoise, { kind: 'derain', weight: s.mix?.derain ?? 1 }, { kind: 'dehaze', weight: s.mix?.dehaze ?? 1 }];
    default:
      return [{ kind: s.task, weight: 1 }];
  }
}

/** One draw of rng: uniform over the choices, or by weight where a mix is set (same stream either way). */
function draw(options: Choice[], weighted: boolean, rng: Rng): Choice {
  if (!weighted) return options[rng.int(options.length)];
  let u = rng.float() * options.reduce((sum, o) => sum + o.weight, 0);
  for (const o of options) {
    if (u < o.weight) return o;
    u -= o.weight;
  }
  // u landed on the total through rounding: the last choice with any weight
  return [...options].reverse().find((o) => o.weight > 0)!;
}

export class BatchMaker {
  private readonly perms = new Map<string, Uint32Array>();
  private readonly cache: ImageCache;
  private readonly options: Choice[];

  constructor(private readonly plan: WorkerPlan, cacheBytes: number) {
    this.cache = new ImageCache(cacheBytes);
    this.options = choices(plan.settings);
  }

  /** Entry s mod n of the source's permutation for epoch floor(s / n); the last few permutations are kept. */
  private pick(source: SourceName, n: number, s: number): number {
    const epoch = Math.floor(s / n);
    const key = `${source}/${epoch}`;
    let perm = this.perms.get(key);
    if (!perm) {
      perm = permutation(n, new Rng(this.plan.settings.seed, STREAM.permutation, SOURCE_TAG[source], epoch));
      this.perms.set(key, perm);
      if (this.perms.size > 6) this.perms.delete(this.perms.keys().next().value!);
    }
    return perm[s - epoch * n];
  }

  async make(k: number): Promise<Batch> {
    const { batch, crop } = this.plan.settings;
    const size = 3 * crop * crop;
    const input = new Float32Array(batch * size);
    const target = new Float32Array(batch * size);
    const samples = await Promise.all(
      Array.from({ length: batch }, async (_, j) => {
        const { info, degraded, clean } = await this.sample(k * batch + j);
        writePlanar(degraded, crop, input, j * size);
        writePlanar(clean, crop, target, j * size);
        return info;
      }),
    );
    return { input, target, index: k, samples };
  }

  /** Sample s: its record, its input and its target (n x n interleaved RGB). */
  async sample(s: number): Promise<{ info: SampleInfo; degraded: Uint8Array; clean: Uint8Array }> {
    const { seed, crop: n, noiseRounding } = this.plan.settings;
    const rng = new Rng(seed, STREAM.sample, s);
    const choice = this.options.length === 1 ? this.options[0] : draw(this.options, !!this.plan.settings.mix, rng);
    const pairs: ImagePair[] | null = choice.kind === 'derain' ? this.plan.derain : choice.kind === 'dehaze' ? this.plan.dehaze : null;
    const source: SourceName = pairs ? (choice.kind as 'derain' | 'dehaze') : 'clean';
    const items: (ImagePair | ImageEntry)[] = pairs ?? this.plan.clean;
    const item = items[this.pick(source, items.length, s)];
    const x = rng.int(item.width - n + 1);
    const y = rng.int(item.height - n + 1);
    const d = rng.int(8);
    const base = { kind: choice.kind, x, y, dihedral: d };
    if ('degraded' in item) {
      const [dimg, cimg] = await Promise.all([this.cache.get(item.degraded), this.cache.get(item.clean)]);
      const info: SampleInfo = { ...base, source: 'pair', clean: item.clean, degraded: item.degraded, params: {} };
      return { info, degraded: dihedral(cropRgb(dimg, x, y, n), n, d), clean: dihedral(cropRgb(cimg, x, y, n), n, d) };
    }
    const clean = cropRgb(await this.cache.get(item.file), x, y, n);
    const info: SampleInfo = { ...base, source: 'synthetic', clean: item.file, params: {} };
    // Rain and haze are made in the photo's own frame (far at the top), then turned with the target;
    // noise and the pre-training damage are added to the turned crop (as the authors add noise).
    switch (choice.kind) {
      case 'derain': {
        const p = drawRainParams(rng);
        info.params = { ...p };
        return { info, degraded: dihedral(addRain(clean, n, n, p, rng), n, d), clean: dihedral(clean, n, d) };
      }
      case 'dehaze': {
        const p = drawHazeParams(rng);
        info.params = { ...p };
        return { info, degraded: dihedral(addHaze(clean, n, n, p, rng), n, d), clean: dihedral(clean, n, d) };
      }
      case 'denoise': {
        const turned = dihedral(clean, n, d);
        info.params = { sigma: choice.sigma!, rounding: noiseRounding };
        return { info, degraded: addGaussianNoise(turned, choice.sigma!, rng, noiseRounding), clean: turned };
      }
      case 'pretrain': {
        const turned = dihedral(clean, n, d);
        const p = drawPretrainParams(n, rng);
        info.params = { ...p };
        return { info, degraded: await pretrainCorrupt(turned, n, p, rng), clean: turned };
      }
    }
  }
}
