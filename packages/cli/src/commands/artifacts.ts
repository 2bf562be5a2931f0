import * as path from 'node:path';
import { ADAMW_DEFAULTS, LOSS_KINDS, LossKind, dynetParameterSpecs, initParameters } from '@dynet/graph';
import { nchwcBlockSize, writeArtifacts } from '@dynet/train';
import type { Argv, ArgumentsCamelCase } from 'yargs';
import { configOf, variantOf, readWeights, withPreset, withWeightReading } from '../options';

export const command = 'artifacts';
export const describe = 'write training artifacts (training, eval, optimizer and fused-step graphs of standard ONNX ops, and a checkpoint)';

export function builder(y: Argv) {
  return withWeightReading(withPreset(y))
    .option('variant', { type: 'string', default: 'S', describe: 'S or L' })
    .option('loss', { choices: LOSS_KINDS, default: 'l1-clamped' as LossKind, describe: 'l1, or l1-clamped (L1 on clamp(output, 0, 1): the authors\' fine-tuning loss)' })
    .option('weights', { type: 'string', describe: 'starting weights (.ckpt, .pth or .safetensors); default: PyTorch-style init from --seed' })
    .option('seed', { type: 'number', default: 0 })
    .option('batch', { type: 'number', default: 4 })
    .option('size', { type: 'number', array: true, default: [128, 128], describe: 'crop height and width (--size H W)' })
    .option('beta1', { type: 'number', default: ADAMW_DEFAULTS.beta1 })
    .option('beta2', { type: 'number', default: ADAMW_DEFAULTS.beta2 })
    .option('eps', { type: 'number', default: ADAMW_DEFAULTS.eps })
    .option('weight-decay', { type: 'number', default: ADAMW_DEFAULTS.weightDecay, describe: 'decoupled weight decay (0 gives Adam)' })
    .option('fused', { type: 'boolean', default: true, describe: 'also write fused_step_model.onnx (forward, backward and AdamW in one graph)' })
    .option('recompute', { type: 'boolean', default: false, describe: 'training graphs recompute each transformer block in the backward pass instead of keeping its activations (less memory, more time)' })
    .option('nchwc', { type: 'boolean', default: false, describe: 'run the depthwise convolutions and their gradients on onnxruntime-node\'s CPU NCHWc kernels of this machine (faster there; other runtimes, devices and CPUs need the default standard ops)' })
    .option('out', { alias: 'o', type: 'string', demandOption: true, describe: 'output folder' });
}

type Args = ArgumentsCamelCase<{ allowGlobal: string[];
  preset: string; variant: string; loss: LossKind; weights?: string; seed: number; batch: number; size: number[];
  beta1: number; beta2: number; eps: number; weightDecay: number; fused: boolean; recompute: boolean; nchwc: boolean; out: string;
}>;

export async function handler(args: Args): Promise<void> {
  const [height, width] = args.size.length === 1 ? [args.size[0], args.size[0]] : args.size;
  if (args.size.length > 2) throw new RangeError(`--size takes H W; got ${args.size.join(' ')}`);
  const config = configOf(args.preset);
  const specs = dynetParameterSpecs(config);
  const weights = args.weights ? readWeights(args.weights, specs, args.allowGlobal) : initParameters(specs, args.seed);
  const hyper = { beta1: args.beta1, beta2: args.beta2, eps: args.eps, weightDecay: args.weightDecay };
  const manifest = writeArtifacts({
    config,
    variant: variantOf(args.variant),
    loss: args.loss,
    shape: { batch: args.batch, height, width },
    hyper,
    weights,
    outDir: args.out,
    fused: args.fused,
    recompute: args.recompute,
    nchwcBlock: args.nchwc ? await nchwcBlockSize() : 0,
  });
  if (args.nchwc && !manifest.nchwcBlock) console.error('dynet artifacts: this onnxruntime-node has no NCHWc kernels here; wrote standard ops only');
  for (const f of Object.values(manifest.files)) console.log(`wrote ${path.join(args.out, f!)}`);
}
