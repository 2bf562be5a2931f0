import { EVAL_TASKS, EvalReport, EvalTask, evaluate, loadRestorer, NOISE_SIGMAS, Restorer } from '@dynet/infer';
import type { Argv, ArgumentsCamelCase } from 'yargs';
import { InferArgs, withModel, withRuntime, withTiles } from '../infer-options';
import { depthOf, variantOf } from '../options';

export const command = 'eval';
export const describe = "PSNR and SSIM on a test set with the authors' protocol";

export function builder(y: Argv) {
  return withTiles(withRuntime(withModel(y)), '0, whole images')
    .option('task', { choices: EVAL_TASKS, demandOption: true, describe: 'denoise, derain or dehaze' })
    .option('sigma', { type: 'number', choices: NOISE_SIGMAS, describe: 'noise level for --task denoise' })
    .option('data', { type: 'string', demandOption: true, describe: 'denoise: folder of clean images; derain/dehaze: folder with degraded/ and clean/' })
    .option('seed', { type: 'number', default: 0, describe: "seed of the noise (numpy's np.random.seed)" })
    .option('identity', { type: 'boolean', default: false, describe: 'score the degraded images as they are, without the network (the baseline)' })
    .option('json', { type: 'boolean', default: false, describe: 'print one JSON object' });
}

type Args = ArgumentsCamelCase<
  InferArgs & {
    task: EvalTask;
    sigma?: number;
    data: string;
    seed: number;
    identity: boolean;
    json: boolean;
  }
>;

export async function handler(args: Args): Promise<void> {
  if (args.task === 'denoise' && args.sigma === undefined) throw new RangeError('--task denoise needs --sigma 15, 25 or 50');
  let restorer: Restorer | undefined;
  if (!args.identity) restorer = await loadRestorer({ model: args.model, variant: variantOf(args.variant), depth: depthOf(args.depth), device: args.device, threads: args.threads });
  try {
    const report = await evaluate({
      task: args.task,
      data: args.data,
      sigma: args.sigma,
      seed: args.seed,
      restorer,
      tile: args.tile,
      overlap: args.overlap,
      onImage: args.json || !process.stderr.isTTY ? undefined : (row, done, total) => process.stderr.write(`\r${done}/${total} ${row.name}`.padEnd(60)),
    });
    if (!args.json && process.stderr.isTTY) process.stderr.write('\r'.padEnd(61) + '\r');
    const model = restorer ? { model: args.model, variant: restorer.variant, backend: restorer.backend } : { model: null };
    if (args.json) console.log(JSON.stringify({ ...report, ...model }));
    else printTable(report, restorer ? `DyNet-${restorer.variant} (${args.model})` : 'degraded images (no network)');
  } finally {
    await restorer?.release();
  }
}

function printTable(report: EvalReport, what: string): void {
  const sigma = report.sigma !== undefined ? ` sigma ${report.sigma}, seed ${report.seed}` : '';
  console.log(`${report.task}${sigma}: ${what}`);
  const width = Math.max(5, ...report.rows.map((r) => r.name.length));
  console.log(`${'image'.padEnd(width)}  PSNR (dB)  SSIM`);
  for (const r of report.rows) console.log(`${r.name.padEnd(width)}  ${r.psnr.toFixed(4).padStart(9)}  ${r.ssim.toFixed(4)}`);
  console.log(`${'mean'.padEnd(width)}  ${report.mean.psnr.toFixed(4).padStart(9)}  ${report.mean.ssim.toFixed(4)}`);
}
