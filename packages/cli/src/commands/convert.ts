import { dynetParameterSpecs, VERSION, writeSafetensors } from '@dynet/graph';
import * as path from 'node:path';
import type { Argv, ArgumentsCamelCase } from 'yargs';
import { configOf, readWeights, withPreset, withWeightReading } from '../options';

export const command = 'convert <input> <output>';
export const describe = 'convert an authors\' checkpoint (.ckpt/.pth) or safetensors file into a checked .safetensors file';

export function builder(y: Argv) {
  return withWeightReading(withPreset(y))
    .positional('input', { type: 'string', demandOption: true, describe: 'checkpoint to read' })
    .positional('output', { type: 'string', demandOption: true, describe: 'safetensors file to write' });
}

type Args = ArgumentsCamelCase<{ allowGlobal: string[]; preset: string; input: string; output: string }>;

export function handler(args: Args): void {
  if (!args.output.endsWith('.safetensors')) throw new RangeError(`${args.output}: the output must be a .safetensors file`);
  if (path.resolve(args.output) === path.resolve(args.input)) throw new RangeError(`${args.output}: refusing to overwrite the input`);
  const config = configOf(args.preset);
  const params = readWeights(args.input, dynetParameterSpecs(config), args.allowGlobal);
  writeSafetensors(args.output, params, { format: 'pt', 'dynet.config': JSON.stringify(config), 'dynet.version': VERSION });
  console.log(`wrote ${args.output}: ${params.size} parameters`);
}
