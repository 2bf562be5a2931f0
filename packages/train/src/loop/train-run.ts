/**
 * The training loop behind `dynet train finetune|pretrain`. Every step's batch, variant and
 * learning rate are pure functions of (options, step), and the checkpoint holds the step, so a
 * run resumed after a crash continues exactly where its last checkpoint stopped.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ANY_DEPTH_RANGE, AdamWHyper, DynetConfig, LossKind, Reuse, StateDict, VARIANTS, Variant, WeightFileError, dynetParameterSpecs } from '@dynet/graph';
import { ArtifactManifest, writeArtifacts } from '../artifacts';
import { TrainingCheckpoint, loadCheckpoint, saveCheckpoint } from '../checkpoint';
import { DataOptions, mixProblem, openBatchStream } from '../data';
import { Device } from '../execution-provider';
import { nchwcBlockSize } from '../nchwc';
import { TrainingSession } from '../training-session';
import { writeLossPlot } from './loss-plot';
import { Progress } from './progress';
import { Schedule, constant, warmupCosine } from './schedule';
import { TrainingLog, readLog } from './training-log';
import { drawIndex, drawVariant } from './variant-draw';

export type TrainMode = 'finetune' | 'pretrain';

/** Everything that determines a run's numbers; saved as run.json and reused on --resume. */
export interface RunSpec {
  mode: TrainMode;
  config: DynetConfig;
  /**
   * finetune trains this variant, or both when `dynamic`; pretrain (and dynamic finetune) draws
   * S with probability variantProb at each step, else L, into one shared weight set
   */
  variant: Variant;
  variantProb: number;
  /** finetune: draw S or L per step as pretrain does (run.json files without it: false) */
  dynamic?: boolean;
  /**
   * Draw one of these depths (reuse counts per level) uniformly at each step into the one weight
   * set, instead of S or L: training for dynet-any.onnx. Overrides variant, variantProb and dynamic.
   */
  depths?: Reuse[];
  data: Omit<DataOptions, 'batch' | 'crop' | 'seed'>;
  batch: number;
  crop: number;
  seed: number;
  steps: number;
  lr: number;
  warmup: number;
  hyper: AdamWHyper;
  /** file the starting weights came from (informational) */
  weightsSource: string;
  device: Device;
  /** intra-op threads; part of the spec because the runtime's sums depend on it in the last bits */
  threads?: number;
  /**
   * on the CPU, depthwise convolutions and their gradients on ONNX Runtime's NCHWc kernels where
   * the runtime has them (ArtifactOptions.nchwcBlock): several times faster, the same to
   * float32 rounding; part of the spec for the same reason as `threads` (absent in runs started
   * before it existed: false)
   */
  nchwc?: boolean;
}

export interface RunOptions {
  outDir: string;
  checkpointEvery: number;
  logEvery: number;
  /** show a progress bar (else a line per logged step) */
  progressBar: boolean;
  /** stop after this step (exclusive), leaving a checkpoint: for tests and time-boxed runs */
  stopAfter?: number;
  /**
   * recompute the transformer blocks' activations in the backward pass instead of keeping them
   * (ArtifactOptions.recompute): a memory choice, not part of the run's spec, so a resumed run
   * may change it
   */
  recompute?: boolean;
}

export const RUN_FILES = { spec: 'run.json', checkpoint: 'checkpoint.safetensors', log: 'train-log.jsonl', plot: 'loss.svg' } as const;

export function lossOf(mode: TrainMode): LossKind {
  return mode === 'finetune' ? 'l1-clamped' : 'l1';
}

export function scheduleOf(spec: RunSpec): Schedule {
  return spec.mode === 'finetune' ? warmupCosine(spec.lr, spec.warmup, spec.steps) : constant(spec.lr);
}

/** Whether the run draws S or L per step. */
const drawsVariants = (spec: RunSpec) => spec.mode === 'pretrain' || spec.dynamic === true;

/** What a step can train: a variant or a depth, and its label in logs and results. */
interface Choice {
  label: string;
  what: Variant | Reuse;
}

function choicesOf(spec: RunSpec): Choice[] {
  if (spec.depths) return spec.depths.map((d) => ({ label: d.join(','), what: d }));
  const variants = drawsVariants(spec) ? VARIANTS.filter((v) => (v === 'S' ? spec.variantProb > 0 : spec.variantProb < 1)) : [spec.variant];
  return variants.map((v) => ({ label: v, what: v }));
}

/** The label of what step `step` trains: a pure function of the spec and the step. */
function drawAt(spec: RunSpec, step: number): string {
  if (spec.depths) return spec.depths[drawIndex(spec.seed, step, spec.depths.length)].join(',');
  return drawsVariants(spec) ? drawVariant(spec.seed, step, spec.variantProb) : spec.variant;
}

/**
 * Builds a variant's (or depth's) artifact folder afresh at every start (about a second each):
 * reusing one would run graphs that older code, other options or another CPU's block size built.
 */
function buildArtifacts(spec: RunSpec, variant: Variant | Reuse, outDir: string, build: { recompute: boolean; nchwcBlock: number }): { dir: string; manifest: ArtifactManifest } {
  const dir = path.join(outDir, 'artifacts', Array.isArray(variant) ? `depth-${variant.join('-')}` : variant.toLowerCase());
  const shape = { batch: spec.batch, height: spec.crop, width: spec.crop };
  const manifest = writeArtifacts({ config: spec.config, loss: lossOf(spec.mode), shape, hyper: spec.hyper, ...build, variant, outDir: dir, fused: true, checkpoint: false });
  return { dir, manifest };
}

export interface RunResult {
  steps: number;
  lastLoss: number;
  /** steps taken in this call, by variant (S, L) or depth ('2,3,3,4') */
  stepsBy: Record<string, number>;
}

/** Starts a run (initial weights given) or resumes one (weights from its checkpoint). */
export async function runTraining(spec: RunSpec, opts: RunOptions, initial: StateDict | 'resume'): Promise<RunResult> {
  fs.mkdirSync(opts.outDir, { recursive: true });
  const ckptFile = path.join(opts.outDir, RUN_FILES.checkpoint);
  const specs = dynetParameterSpecs(spec.config);
  let store: TrainingCheckpoint;
  const sessions = new Map<string, TrainingSession>();
  const startWeights = initial === 'resume' ? null : initial;
  // The data stream checks its folders before anything else is built or written.
  const probeStream = await openBatchStream({ ...spec.data, batch: spec.batch, crop: spec.crop, seed: spec.seed }, 0);
  await probeStream.close();
  const build = { recompute: opts.recompute ?? false, nchwcBlock: spec.device === 'cpu' && spec.nchwc ? await nchwcBlockSize() : 0 };
  for (const { label, what } of choicesOf(spec)) {
    const { dir, manifest } = buildArtifacts(spec, what, opts.outDir, build);
    if (!sessions.size) {
      const trained = manifest.trained.map((t) => t.name);
      store = startWeights ? freshStore(startWeights, manifest) : loadCheckpoint(ckptFile, specs, trained);
    }
    sessions.set(label, await TrainingSession.open(dir, { device: spec.device, threads: spec.threads, fused: true, store: store! }));
  }
  store = store!;
  if (initial !== 'resume') saveRunSpec(opts.outDir, spec);
  const first = store.step;
  if (first >= spec.steps) throw new RangeError(`${ckptFile}: the run already took ${first} of ${spec.steps} steps; raise --steps to continue`);
  const schedule = scheduleOf(spec);
  const log = new TrainingLog(path.join(opts.outDir, RUN_FILES.log), first);
  const stream = await openBatchStream({ ...spec.data, batch: spec.batch, crop: spec.crop, seed: spec.seed }, first);
  const end = Math.min(spec.steps, opts.stopAfter ?? spec.steps);
  const progress = new Progress(opts.progressBar, first, spec.steps);
  const stepsBy: Record<string, number> = Object.fromEntries(choicesOf(spec).map((c) => [c.label, 0]));
  let interrupted = false;
  const onSigint = () => (interrupted = true);
  process.once('SIGINT', onSigint);
  const started = Date.now();
  let lastLoss = NaN;
  const save = () => {
    saveCheckpoint(ckptFile, { ...store, state: { ...store.state, seed: String(spec.seed) } }, JSON.stringify(spec.config));
    writeLossPlot(path.join(opts.outDir, RUN_FILES.plot), readLog(log.file), `DyNet ${spec.mode} (${spec.config.name} preset)`);
  };
  try {
    for (let step = first; step < end && !interrupted; step++) {
      const variant = drawAt(spec, step);
      const batch = await stream.next();
      const lr = schedule(step);
      lastLoss = await sessions.get(variant)!.fusedStep(batch.input, batch.target, lr);
      if (!Number.isFinite(lastLoss)) throw new Error(`step ${step}: the loss is ${lastLoss}; stopping (lower --lr?)`);
      stepsBy[variant]++;
      const elapsed = (Date.now() - started) / 1000;
      const rate = (step + 1 - first) / Math.max(elapsed, 1e-9);
      if ((step + 1) % opts.logEvery === 0 || step === first) log.append({ step, variant, loss: lastLoss, lr, elapsed, stepsPerSecond: rate });
      progress.update(step + 1, lastLoss, variant, rate);
      if ((step + 1) % opts.checkpointEvery === 0) save();
    }
    save();
  } finally {
    process.removeListener('SIGINT', onSigint);
    progress.stop();
    log.close();
    await stream.close();
    for (const s of sessions.values()) await s.release();
  }
  if (interrupted) throw new Error(`interrupted at step ${store.step}; the checkpoint is saved: resume with --resume`);
  return { steps: store.step, lastLoss, stepsBy };
}

function freshStore(weights: StateDict, manifest: ArtifactManifest): TrainingCheckpoint {
  const zeros = () => new Map(manifest.trained.map(({ name, shape }) => [name, { shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)) }]));
  return { params: new Map(weights), expAvg: zeros(), expAvgSq: zeros(), step: 0, state: {} };
}

function saveRunSpec(outDir: string, spec: RunSpec): void {
  fs.writeFileSync(path.join(outDir, RUN_FILES.spec), `${JSON.stringify(spec, null, 2)}\n`);
}

/** The spec of a run to resume, from its folder. */
export function readRunSpec(outDir: string): RunSpec {
  const file = path.join(outDir, RUN_FILES.spec);
  if (!fs.existsSync(file) || !fs.existsSync(path.join(outDir, RUN_FILES.checkpoint))) {
    throw new WeightFileError(outDir, `nothing to resume: ${RUN_FILES.spec} or ${RUN_FILES.checkpoint} is missing`);
  }
  let spec: unknown;
  try {
    spec = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new WeightFileError(file, `not valid JSON (${(err as Error).message}); the run folder is damaged`);
  }
  const problem = runSpecProblem(spec);
  if (problem) throw new WeightFileError(file, `not a run description written by dynet train (${problem}); the run folder is damaged`);
  return spec as RunSpec;
}

/** What is wrong with a parsed run.json, or null: the fields a resumed run reads, by type. */
function runSpecProblem(spec: unknown): string | null {
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObject(spec)) return 'not a JSON object';
  const s = spec;
  if (s.mode !== 'finetune' && s.mode !== 'pretrain') return `mode ${JSON.stringify(s.mode)}`;
  if (!VARIANTS.includes(s.variant as Variant)) return `variant ${JSON.stringify(s.variant)}`;
  if (!isObject(s.config) || typeof s.config.name !== 'string') return 'config is not a model configuration';
  if (!isObject(s.data) || typeof s.data.task !== 'string') return 'data is not a data description';
  const mix = s.data.mix === undefined ? null : mixProblem(s.data.mix);
  if (mix) return `data.mix: ${mix}`;
  if (!isObject(s.hyper) || !['beta1', 'beta2', 'eps', 'weightDecay'].every((k) => Number.isFinite((s.hyper as Record<string, unknown>)[k]))) return 'hyper is not AdamW settings';
  for (const k of ['batch', 'crop', 'steps']) if (!Number.isInteger(s[k]) || (s[k] as number) <= 0) return `${k} ${JSON.stringify(s[k])}`;
  for (const k of ['seed', 'lr', 'warmup', 'variantProb']) if (!Number.isFinite(s[k])) return `${k} ${JSON.stringify(s[k])}`;
  if (s.dynamic !== undefined && typeof s.dynamic !== 'boolean') return `dynamic ${JSON.stringify(s.dynamic)}`;
  if (s.nchwc !== undefined && typeof s.nchwc !== 'boolean') return `nchwc ${JSON.stringify(s.nchwc)}`;
  if (s.depths !== undefined && !(Array.isArray(s.depths) && s.depths.length > 0 && s.depths.every(isDepth))) return `depths ${JSON.stringify(s.depths)}`;
  if (s.threads !== undefined && (!Number.isInteger(s.threads) || (s.threads as number) <= 0)) return `threads ${JSON.stringify(s.threads)}`;
  if (typeof s.device !== 'string' || typeof s.weightsSource !== 'string') return 'device or weightsSource is not a string';
  return null;
}

/** Four whole reuse counts in ANY_DEPTH_RANGE. */
export function isDepth(d: unknown): d is Reuse {
  return Array.isArray(d) && d.length === 4 && d.every((c) => Number.isInteger(c) && c >= ANY_DEPTH_RANGE.min && c <= ANY_DEPTH_RANGE.max);
}
