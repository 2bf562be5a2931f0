/**
 * Checking the options and the folders before any batch is made: everything a run will read is
 * listed, matched and measured here, and every problem is one line naming the file or folder.
 */
import { DATA_IMAGE_EXTENSIONS, checkCropFits, checkFolder, listImages, readSizes, splitHoldout } from './files';
import { readPairs } from './pairs';
import { DataError, DataOptions, DataSummary, ImageEntry, ImagePair, TaskMix, TaskName } from './types';

export const TASKS: readonly TaskName[] = ['denoise', 'derain', 'dehaze', 'all-in-one', 'pretrain'];
export const DEFAULT_SIGMAS: readonly number[] = [15, 25, 50];
export const DEFAULT_CROP = 128;

/** The options with defaults filled in and checked. */
export interface Settings {
  task: TaskName;
  batch: number;
  crop: number;
  seed: number;
  sigmas: number[];
  /** all-in-one's task weights, or undefined for the uniform draw over sigmas, rain and haze */
  mix?: TaskMix;
  synthetic: boolean;
  noiseRounding: 'truncate' | 'round';
  workers: number;
  prefetch: number;
  cacheMB: number;
}

/** What a stream reads: the training images and pairs (after the holdout) and the held-out ones. */
export interface DataPlan {
  settings: Settings;
  clean: ImageEntry[];
  /** real pairs, or null where the task makes that degradation synthetically (or not at all) */
  derain: ImagePair[] | null;
  dehaze: ImagePair[] | null;
  holdout: { clean: string[]; derain: ImagePair[]; dehaze: ImagePair[] };
  summary: DataSummary;
}

function int(name: string, v: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new RangeError(`${name}: expected an integer in [${min}, ${max === Number.MAX_SAFE_INTEGER ? 'inf' : max}], got ${String(v)}`);
  }
  return v;
}

export const MIX_TASKS = ['denoise', 'derain', 'dehaze'] as const;

/** What is wrong with a task mix, or null: an object of three finite non-negative weights, not all zero. */
export function mixProblem(mix: unknown): string | null {
  if (typeof mix !== 'object' || mix === null || Array.isArray(mix)) return `expected an object {denoise, derain, dehaze}, got ${JSON.stringify(mix)}`;
  const m = mix as Record<string, unknown>;
  const extra = Object.keys(m).filter((k) => !(MIX_TASKS as readonly string[]).includes(k));
  if (extra.length) return `unknown task ${JSON.stringify(extra[0])} (expected ${MIX_TASKS.join(', ')})`;
  for (const k of MIX_TASKS) {
    if (typeof m[k] !== 'number' || !Number.isFinite(m[k]) || (m[k] as number) < 0) return `${k}: expected a weight >= 0, got ${JSON.stringify(m[k])}`;
  }
  if (MIX_TASKS.every((k) => m[k] === 0)) return 'all weights are 0';
  return null;
}

/** Fills in the defaults; throws TypeError/RangeError naming the option. */
export function checkOptions(o: DataOptions): Settings {
  if (!o || typeof o !== 'object') throw new TypeError('openBatchStream: options must be an object');
  if (!TASKS.includes(o.task)) throw new TypeError(`task: expected one of ${TASKS.join(', ')}, got ${String(o.task)}`);
  const sigmas = o.sigmas ?? [...DEFAULT_SIGMAS];
  if (!Array.isArray(sigmas) || sigmas.length === 0 || !sigmas.every((s) => typeof s === 'number' && s >= 0 && s <= 255)) {
    throw new RangeError(`sigmas: expected a non-empty list of noise levels in [0, 255], got ${JSON.stringify(o.sigmas)}`);
  }
  if (o.clean !== undefined && (!Array.isArray(o.clean) || !o.clean.every((c) => typeof c === 'string'))) {
    throw new TypeError('clean: expected a list of folders');
  }
  const holdout = o.holdout ?? 0;
  if (typeof holdout !== 'number' || !(holdout >= 0 && holdout < 1)) throw new RangeError(`holdout: expected a fraction in [0, 1), got ${String(o.holdout)}`);
  const noiseRounding = o.noiseRounding ?? 'truncate';
  if (noiseRounding !== 'truncate' && noiseRounding !== 'round') throw new TypeError(`noiseRounding: expected 'truncate' or 'round', got ${String(noiseRounding)}`);
  if (o.mix !== undefined) {
    if (o.task !== 'all-in-one') throw new TypeError(`mix: only the all-in-one task mixes degradations, got task ${o.task}`);
    const problem = mixProblem(o.mix);
    if (problem) throw new RangeError(`mix: ${problem}`);
  }
  const workers = int('workers', o.workers ?? 2, 0, 64);
  const cacheMB = o.cacheMB ?? 1024;
  if (typeof cacheMB !== 'number' || !(cacheMB >= 0)) throw new RangeError(`cacheMB: expected a size >= 0, got ${String(o.cacheMB)}`);
  return {
    task: o.task,
    batch: int('batch', o.batch, 1),
    crop: int('crop', o.crop, 1),
    seed: int('seed', o.seed, Number.MIN_SAFE_INTEGER),
    sigmas: [...sigmas],
    ...(o.mix ? { mix: { denoise: o.mix.denoise, derain: o.mix.derain, dehaze: o.mix.dehaze } } : {}),
    synthetic: o.synthetic ?? true,
    noiseRounding,
    workers,
    prefetch: int('prefetch', o.prefetch ?? Math.max(2, 2 * workers), 1),
    cacheMB,
  };
}

/** Which sources a task reads. */
function needs(s: Settings, o: DataOptions): { clean: boolean; derain: boolean; dehaze: boolean } {
  const uses = (t: 'derain' | 'dehaze') => s.task === t || s.task === 'all-in-one';
  for (const t of ['derain', 'dehaze'] as const) {
    if (uses(t) && !o[t] && !s.synthetic) {
      throw new DataError(`task '${s.task}' needs a ${t} folder of pairs (synthetic ${t === 'derain' ? 'rain' : 'haze'} is switched off)`);
    }
  }
  const derain = uses('derain') && !!o.derain;
  const dehaze = uses('dehaze') && !!o.dehaze;
  const clean = s.task === 'denoise' || s.task === 'pretrain' || s.task === 'all-in-one' || (s.task === 'derain' && !derain) || (s.task === 'dehaze' && !dehaze);
  return { clean, derain, dehaze };
}

function listClean(folders: readonly string[]): string[] {
  const files: string[] = [];
  for (const dir of folders) {
    checkFolder(dir, 'clean folder');
    const found = listImages(dir);
    if (found.length === 0) throw new DataError(`clean folder '${dir}' contains no images (${[...DATA_IMAGE_EXTENSIONS].join(' ')})`, dir);
    files.push(...found);
  }
  return [...new Set(files)];
}

/** Holds out the pairs whose clean image's name falls in the holdout (all hazy versions of a scene go together). */
function holdPairs(pairs: ImagePair[], fraction: number, task: string, dir: string): { train: ImagePair[]; holdout: ImagePair[] } {
  const { holdout } = splitHoldout([...new Set(pairs.map((p) => p.clean))], fraction);
  const held = new Set(holdout);
  const train = pairs.filter((p) => !held.has(p.clean));
  if (train.length === 0) throw new DataError(`${task} folder '${dir}' leaves no pairs to train on after the holdout of ${fraction}`, dir);
  return { train, holdout: pairs.filter((p) => held.has(p.clean)) };
}

/** Lists, matches and measures everything the options name; throws DataError before any batch exists. */
export async function scanData(o: DataOptions): Promise<DataPlan> {
  const settings = checkOptions(o);
  const need = needs(settings, o);
  const fraction = o.holdout ?? 0;
  let clean: ImageEntry[] = [];
  let cleanHeld: string[] = [];
  if (need.clean) {
    if (!o.clean || o.clean.length === 0) throw new DataError(`task '${settings.task}' needs folders of clean images (clean)`);
    const all = listClean(o.clean);
    const split = splitHoldout(all, fraction);
    if (split.train.length === 0) throw new DataError(`the clean folders hold ${all.length} image(s), all held out by holdout ${fraction}`);
    clean = await readSizes(split.train);
    cleanHeld = split.holdout;
    checkCropFits(clean, settings.crop);
  }
  const pairs = async (t: 'derain' | 'dehaze') => {
    if (!need[t]) return { train: null, holdout: [] };
    const split = holdPairs(await readPairs(o[t]!, t), fraction, t, o[t]!);
    checkCropFits(split.train.map((p) => ({ ...p, file: p.degraded })), settings.crop);
    return split;
  };
  const derain = await pairs('derain');
  const dehaze = await pairs('dehaze');
  const primary = settings.task === 'derain' && derain.train ? derain.train.length : settings.task === 'dehaze' && dehaze.train ? dehaze.train.length : clean.length;
  return {
    settings,
    clean,
    derain: derain.train,
    dehaze: dehaze.train,
    holdout: { clean: cleanHeld, derain: derain.holdout, dehaze: dehaze.holdout },
    summary: {
      task: settings.task,
      clean: clean.length,
      holdout: cleanHeld.length + derain.holdout.length + dehaze.holdout.length,
      derainPairs: derain.train?.length ?? 0,
      dehazePairs: dehaze.train?.length ?? 0,
      epochSamples: primary,
    },
  };
}
