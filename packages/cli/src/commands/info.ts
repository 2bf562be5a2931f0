import { REFERENCE_BUILD, buildDynet, graphCost } from '@dynet/graph';
import type { Argv, ArgumentsCamelCase } from 'yargs';
import { configOf, variantOf, withPreset } from '../options';

export const command = 'info';
export const describe = 'parameter count and multiply-accumulates of a variant, computed from its graph';

export function builder(y: Argv) {
  return withPreset(y)
    .option('variant', { type: 'string', default: 'S', describe: 'S or L' })
    .option('size', { type: 'number', array: true, default: [224, 224], describe: 'input height and width (--size H W)' })
    .option('json', { type: 'boolean', default: false, describe: 'print one JSON object' });
}

type Args = ArgumentsCamelCase<{ preset: string; variant: string; size: number[]; json: boolean }>;

export function handler(args: Args): void {
  const variant = variantOf(args.variant);
  const [h, w] = args.size.length === 1 ? [args.size[0], args.size[0]] : args.size;
  if (args.size.length > 2 || ![h, w].every((s) => Number.isInteger(s) && s > 0 && s % 8 === 0)) {
    throw new RangeError(`--size takes H W, positive multiples of 8; got ${args.size.join(' ')}`);
  }
  const config = configOf(args.preset);
  const cost = graphCost(buildDynet(config, variant, REFERENCE_BUILD), { N: 1, H: h, W: w });
  const report = { preset: config.name, variant, reuse: config.reuse[variant], size: [h, w], ...cost, gflops: (2 * cost.macs) / 1e9 };
  if (args.json) {
    console.log(JSON.stringify(report));
    return;
  }
  const n = (x: number) => x.toLocaleString('en-US');
  console.log(`DyNet-${variant} (${config.name} preset, reuse [${report.reuse}])`);
  console.log(`parameters:          ${n(cost.params)} (${n(cost.paramsOnForwardPath)} on the forward path)`);
  console.log(`MACs at ${h}x${w}:${' '.repeat(Math.max(1, 11 - `${h}x${w}`.length))}${n(cost.macs)} (${report.gflops.toFixed(1)} GFLOPs)`);
}
