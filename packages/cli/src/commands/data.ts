import * as os from 'node:os';
import { CURATE_DEFAULTS, curate, fitNiqeModel, formatSummary, mergeShards, METRICS, MetricName, parseShard, progressBar } from '@dynet/train';
import type { Argv, ArgumentsCamelCase, CommandModule } from 'yargs';

export const command = 'data';
export const describe = 'turn an image collection into a pre-training set: curate, merge, niqe-fit';

export function builder(y: Argv) {
  return y
    .command(curateCommand)
    .command(mergeCommand)
    .command(niqeFitCommand)
    .demandCommand(1, 'name a data command: curate, merge or niqe-fit');
}

export function handler(): void {}

const d = CURATE_DEFAULTS;

type CurateArgs = {
  in: string[]; out: string; minSide?: number; patch: number; maxFlat: number; niqeMax: number; blurMax: number;
  blockinessMax: number; metrics: string[]; niqeModel?: string; flatBlock: number; flatEnergy: number; workers: number;
  shard?: string; progress: boolean;
};

const curateCommand: CommandModule<object, CurateArgs> = {
  command: 'curate',
  describe: 'score, filter and cut images into patches, writing PNG patches and a JSON-lines manifest (resumable)',
  builder: (y) =>
    y
      .option('in', { type: 'string', array: true, demandOption: true, describe: 'folders to scan recursively' })
      .option('out', { type: 'string', demandOption: true, describe: 'output folder (patches/, manifest.jsonl, curate.json)' })
      .option('patch', { type: 'number', default: d.patch, describe: 'patch side in pixels' })
      .option('min-side', { type: 'number', describe: 'drop images whose shorter side is smaller (default: --patch)' })
      .option('max-flat', { type: 'number', default: d.maxFlat, describe: 'drop patches whose flat share exceeds this' })
      .option('niqe-max', { type: 'number', default: d.niqeMax, describe: 'drop images whose NIQE exceeds this' })
      .option('blur-max', { type: 'number', default: d.blurMax, describe: 'drop images whose blur effect exceeds this' })
      .option('blockiness-max', { type: 'number', default: d.blockinessMax, describe: 'drop images whose JPEG blockiness exceeds this' })
      .option('metrics', { type: 'string', array: true, choices: [...METRICS], default: [...METRICS], describe: 'quality metrics to apply' })
      .option('niqe-model', { type: 'string', describe: 'pristine NIQE model JSON (default: the shipped one)' })
      .option('flat-block', { type: 'number', default: d.flatBlock, describe: 'flat detector cell side' })
      .option('flat-energy', { type: 'number', default: d.flatEnergy, describe: 'flat detector gradient-energy threshold' })
      .option('workers', { type: 'number', default: os.availableParallelism(), describe: 'worker threads' })
      .option('shard', { type: 'string', describe: 'process shard i of N (i/N) of the images' })
      .option('progress', { type: 'boolean', default: !!process.stderr.isTTY, describe: 'show a progress bar' }) as unknown as Argv<CurateArgs>,
  handler: async (args: ArgumentsCamelCase<CurateArgs>) => {
    const settings = {
      patch: args.patch, minSide: args.minSide ?? args.patch, maxFlat: args.maxFlat, niqeMax: args.niqeMax, blurMax: args.blurMax,
      blockinessMax: args.blockinessMax, metrics: args.metrics as MetricName[], flatBlock: args.flatBlock, flatEnergy: args.flatEnergy,
    };
    const shard = args.shard === undefined ? undefined : parseShard(args.shard);
    const progress = progressBar(args.progress);
    const r = await curate({ inputs: args.in, out: args.out, settings, niqeModel: args.niqeModel, workers: args.workers, shard, progress });
    for (const line of formatSummary(r.summary, { resumed: r.resumed, processed: r.processed, seconds: r.seconds, maxFlat: settings.maxFlat })) console.log(line);
    console.log(`manifest: ${r.manifest}`);
  },
};

type MergeArgs = { in: string[]; out: string };

const mergeCommand: CommandModule<object, MergeArgs> = {
  command: 'merge',
  describe: 'join the output folders of all --shard i/N runs into one, equal to an unsharded run',
  builder: (y) =>
    y
      .option('in', { type: 'string', array: true, demandOption: true, describe: "the shards' output folders" })
      .option('out', { type: 'string', demandOption: true, describe: 'new, empty output folder' }) as unknown as Argv<MergeArgs>,
  handler: (args: ArgumentsCamelCase<MergeArgs>) => {
    const r = mergeShards(args.in, args.out);
    console.log(`merged ${args.in.length} shards: ${r.images} images, ${r.patches} patches; manifest: ${r.manifest}`);
  },
};

type FitArgs = { in: string[]; out: string; block: number; sharpness: number };

const niqeFitCommand: CommandModule<object, FitArgs> = {
  command: 'niqe-fit',
  describe: 'fit the pristine NIQE model (multivariate Gaussian of 36 features) to a folder of pristine images',
  builder: (y) =>
    y
      .option('in', { type: 'string', array: true, demandOption: true, describe: 'folders of pristine images' })
      .option('out', { type: 'string', default: 'niqe-model.json', describe: 'model file to write' })
      .option('block', { type: 'number', default: 96, describe: 'patch side of the features' })
      .option('sharpness', { type: 'number', default: 0.75, describe: "keep blocks sharper than this share of each image's sharpest" }) as unknown as Argv<FitArgs>,
  handler: async (args: ArgumentsCamelCase<FitArgs>) => {
    const m = await fitNiqeModel({ inputs: args.in, out: args.out, blockSize: args.block, sharpnessThreshold: args.sharpness, log: (l) => process.stderr.write(`${l}\n`) });
    console.log(`wrote ${args.out}: ${m.blocks} blocks from ${m.images} images`);
  },
};
