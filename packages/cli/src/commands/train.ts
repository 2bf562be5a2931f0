import * as path from 'node:path';
import { ADAMW_DEFAULTS, ANY_DEPTH_RANGE, Reuse, dynetParameterSpecs, initParameters } from '@dynet/graph';
import { DEVICES, Device, MIX_TASKS, RunSpec, TaskMix, TrainMode, isDepth, mixProblem, readRunSpec, runTraining } from '@dynet/train';
import type { Argv, ArgumentsCamelCase } from 'yargs';
import { configOf, depthOf, variantOf, readWeights, withPreset, withWeightReading } from '../options';

export const command = 'train <mode>';
export const describe = 'fine-tune for all-in-one restoration, or pre-train S and L together (dynamic pre-training)';

export function builder(y: Argv) {
  return withWeightReading(withPreset(y))
    .positional('mode', { choices: ['finetune', 'pretrain'] as const, demandOption: true })
    .option('data', { type: 'string', array: true, describe: 'folder(s) of clean images' })
    .option('derain', { type: 'string', describe: 'paired deraining folder (layouts in docs/training-data.md)' })
    .option('dehaze', { type: 'string', describe: 'paired dehazing folder (layouts in docs/training-data.md)' })
    .option('task', { choices: ['all-in-one', 'denoise', 'derain', 'dehaze'] as const, default: 'all-in-one' as const, describe: 'finetune: what to train for' })
    .option('mix', { type: 'string', describe: 'all-in-one: relative weights of denoise, derain and dehaze in the draw of each sample, e.g. denoise=2,derain=1.5,dehaze=1.5 (default: one share per sigma and one each for rain and haze, 3:1:1)' })
    .option('variant', { type: 'string', default: 'S', describe: 'finetune: S, L, or dynamic (S or L drawn per step into one weight set, as pretrain does)' })
    .option('depths', { type: 'string', array: true, describe: 'draw one of these depths (reuse counts per level, each 1 to 8) per step into one weight set, e.g. --depths 1,2,2,3 2,3,3,4 4,6,6,8: training for dynet-any.onnx (overrides --variant)' })
    .option('variant-prob', { type: 'number', default: 0.5, describe: 'pretrain and --variant dynamic: probability of drawing S at a step (else L)' })
    .option('steps', { type: 'number', describe: 'optimizer steps in all (default 1000; with --resume, raises the run\'s own count)' })
    .option('batch', { type: 'number', default: 4 })
    .option('crop', { type: 'number', default: 128 })
    .option('lr', { type: 'number', describe: 'peak learning rate (default: finetune 2e-4, pretrain 1e-4)' })
    .option('warmup', { type: 'number', describe: 'finetune: linear warm-up steps before the cosine decay (default: 10% of --steps)' })
    .option('holdout', { type: 'number', default: 0, describe: 'fraction of the clean images kept out of training (by file-name hash)' })
    .option('weights', { type: 'string', describe: 'starting weights (.ckpt, .pth, .safetensors or a training checkpoint)' })
    .option('seed', { type: 'number', default: 0 })
    .option('out', { alias: 'o', type: 'string', demandOption: true, describe: 'run folder: checkpoint, log, loss plot' })
    .option('resume', { type: 'boolean', default: false, describe: 'continue the run in --out from its last checkpoint' })
    .option('checkpoint-every', { type: 'number', default: 100 })
    .option('log-every', { type: 'number', default: 1 })
    .option('device', { choices: DEVICES, default: 'cpu' as Device, describe: 'execution provider (a resumed run keeps its own)' })
    .option('threads', { type: 'number', describe: 'intra-op threads (default: the runtime\'s choice; a resumed run keeps its own)' })
    .option('workers', { type: 'number', default: 2, describe: 'data worker threads' })
    .option('recompute', { type: 'boolean', default: false, describe: 'recompute each transformer block in the backward pass instead of keeping its activations: less than half the memory, about a sixth more time per step, the same results (may change on --resume)' })
    .option('nchwc', { type: 'boolean', default: true, describe: 'on the CPU, run the depthwise convolutions and their gradients on ONNX Runtime\'s NCHWc kernels (several times faster; --no-nchwc: standard ops only; a resumed run keeps its own)' })
    .option('stop-after', { type: 'number', hidden: true, describe: 'stop at this step with a checkpoint (tests)' });
}

type Args = ArgumentsCamelCase<{ allowGlobal: string[];
  preset: string; mode: TrainMode; data?: string[]; derain?: string; dehaze?: string; task: 'all-in-one' | 'denoise' | 'derain' | 'dehaze'; mix?: string;
  variant: string; depths?: string[]; variantProb: number; steps?: number; batch: number; crop: number; lr?: number; warmup?: number; holdout: number;
  weights?: string; seed: number; out: string; resume: boolean; checkpointEvery: number; logEvery: number; device: Device;
  threads?: number; workers: number; recompute: boolean; nchwc: boolean; stopAfter?: number;
}>;

const DEFAULT_STEPS = 1000;

/** --mix denoise=W,derain=W,dehaze=W (tasks left out weigh 0). */
function mixOf(text: string, task: string): TaskMix {
  if (task !== 'all-in-one') throw new RangeError(`--mix weights the all-in-one task's degradations; --task is ${task}`);
  const mix: TaskMix = { denoise: 0, derain: 0, dehaze: 0 };
  for (const part of text.split(',')) {
    const [name, value, ...rest] = part.split('=');
    if (!(MIX_TASKS as readonly string[]).includes(name) || value === undefined || value.trim() === '' || rest.length) {
      throw new RangeError(`--mix: expected TASK=WEIGHT pairs with TASK one of ${MIX_TASKS.join(', ')}, e.g. denoise=2,derain=1.5,dehaze=1.5; got '${part}'`);
    }
    const weight = Number(value);
    if (!Number.isFinite(weight)) throw new RangeError(`--mix: the weight of ${name} is not a number: '${value}'`);
    mix[name as keyof TaskMix] = weight;
  }
  const problem = mixProblem(mix);
  if (problem) throw new RangeError(`--mix ${text}: ${problem}`);
  return mix;
}

function specFromArgs(a: Args): RunSpec {
  const steps = a.steps ?? DEFAULT_STEPS;
  if (!(a.variantProb >= 0 && a.variantProb <= 1)) throw new RangeError(`--variant-prob must be in [0, 1], got ${a.variantProb}`);
  for (const [k, v] of [['steps', steps], ['batch', a.batch], ['crop', a.crop]] as const) {
    if (!Number.isInteger(v) || v <= 0) throw new RangeError(`--${k} must be a positive integer, got ${v}`);
  }
  if (a.crop % 8) throw new RangeError(`--crop must be a multiple of 8, got ${a.crop}`);
  const finetune = a.mode === 'finetune';
  const dynamic = a.variant.toLowerCase() === 'dynamic';
  if (dynamic && !finetune) throw new RangeError('--variant dynamic is for finetune; pretrain always draws S or L per step (--variant-prob)');
  const depths = a.depths?.map((d) => depthOf(d)!);
  for (const d of depths ?? []) {
    if (!isDepth(d)) throw new RangeError(`--depths ${d.join(',')}: each reuse count must be a whole number from ${ANY_DEPTH_RANGE.min} to ${ANY_DEPTH_RANGE.max}`);
  }
  if (depths?.length === 0) throw new RangeError('--depths needs at least one depth, e.g. 2,3,3,4');
  return {
    mode: a.mode,
    config: configOf(a.preset),
    variant: dynamic ? 'S' : variantOf(a.variant),
    variantProb: a.variantProb,
    dynamic,
    ...(depths ? { depths: [...new Map(depths.map((d) => [d.join(','), d])).values()] as Reuse[] } : {}),
    data: {
      task: finetune ? a.task : 'pretrain', clean: a.data, derain: a.derain, dehaze: a.dehaze, workers: a.workers, holdout: a.holdout,
      ...(a.mix !== undefined ? { mix: mixOf(a.mix, finetune ? a.task : 'pretrain') } : {}),
    },
    batch: a.batch,
    crop: a.crop,
    seed: a.seed,
    steps,
    lr: a.lr ?? (finetune ? 2e-4 : 1e-4),
    warmup: a.warmup ?? Math.max(1, Math.round(steps / 10)),
    // fine-tuning: AdamW with weight decay 0.01; pre-training: Adam
    hyper: { ...ADAMW_DEFAULTS, weightDecay: finetune ? ADAMW_DEFAULTS.weightDecay : 0 },
    weightsSource: a.weights ? path.basename(a.weights) : `init seed ${a.seed}`,
    device: a.device,
    threads: a.threads,
    nchwc: a.nchwc,
  };
}

export async function handler(a: Args): Promise<void> {
  const opts = {
    outDir: a.out,
    checkpointEvery: a.checkpointEvery,
    logEvery: a.logEvery,
    progressBar: Boolean(process.stderr.isTTY),
    stopAfter: a.stopAfter,
    recompute: a.recompute,
  };
  let result;
  if (a.resume) {
    const spec = readRunSpec(a.out);
    // --steps may extend a finished run; the rest of the spec (data, seed, device, threads...) is
    // the run's own, so the resumed steps compute exactly what the uninterrupted run would
    result = await runTraining({ ...spec, steps: Math.max(spec.steps, a.steps ?? 0) }, opts, 'resume');
  } else {
    const spec = specFromArgs(a);
    const specs = dynetParameterSpecs(spec.config);
    const weights = a.weights ? readWeights(a.weights, specs, a.allowGlobal) : initParameters(specs, a.seed);
    result = await runTraining(spec, opts, weights);
  }
  const by = Object.entries(result.stepsBy).map(([k, n]) => `${k.includes(',') ? `depth ${k}` : k} steps ${n}`).join(', ');
  console.log(`trained to step ${result.steps} (${by}), last loss ${result.lastLoss.toFixed(5)}; checkpoint in ${path.join(a.out, 'checkpoint.safetensors')}`);
}
