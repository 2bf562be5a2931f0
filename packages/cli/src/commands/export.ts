import * as path from 'node:path';
import * as fs from 'node:fs';
import { dynetParameterSpecs, exportDynet, exportDynetOpenCv, initParameters, Variant, WEIGHTS_DTYPES, WeightsDType } from '@dynet/graph';
import type { Argv, ArgumentsCamelCase } from 'yargs';
import { configOf, exportVariantOf, readWeights, withPreset, withWeightReading } from '../options';

export const command = 'export';
export const describe = 'write DyNet-S and/or DyNet-L as ONNX graphs sharing one external weights file';

export function builder(y: Argv) {
  return withWeightReading(withPreset(y))
    .option('variant', { type: 'string', array: true, default: ['S', 'L'], describe: 'S, L, any (dynet-any.onnx: the reuse counts are an input, `depth`), or several (--variant S L any)' })
    .option('weights', { type: 'string', describe: 'checkpoint: Lightning .ckpt, .pth state dict or .safetensors' })
    .option('seed', { type: 'number', default: 0, describe: 'seed of the PyTorch-style initialisation when no --weights' })
    .option('weights-dtype', { choices: WEIGHTS_DTYPES, default: 'float32' as WeightsDType, describe: 'how dynet.weights.bin stores values: float16 halves the file (the graphs still compute in float32)' })
    .option('tile', { type: 'number', describe: 'record in the metadata the tile size restore/eval/serve use by default (a model trained on small crops runs best on tiles of about their size)' })
    .option('tile-overlap', { type: 'number', describe: 'overlap recorded with --tile (default tile/4)' })
    .option('target', { choices: ['ort', 'opencv'] as const, default: 'ort' as 'ort' | 'opencv', describe: 'ort: the graphs and their shared weights file (ONNX Runtime, any input size); opencv: one self-contained file per variant for OpenCV DNN 4.6 at one --input-size (docs/opencv.md)' })
    .option('input-size', { type: 'string', describe: 'with --target opencv: the input size HxW (multiples of 8), e.g. 256x256' })
    .option('out', { alias: 'o', type: 'string', default: 'graphs', describe: 'output folder' });
}

type Args = ArgumentsCamelCase<{ allowGlobal: string[]; preset: string; variant: string[]; weights?: string; seed: number; weightsDtype: WeightsDType; tile?: number; tileOverlap?: number; target: 'ort' | 'opencv'; inputSize?: string; out: string }>;

export function handler(args: Args): void {
  const size = args.target === 'opencv' ? openCvSize(args) : undefined;
  const config = configOf(args.preset);
  const variants = [...new Set(args.variant.map(exportVariantOf))];
  const specs = dynetParameterSpecs(config);
  const weights = args.weights ? readWeights(args.weights, specs, args.allowGlobal) : initParameters(specs, args.seed);
  const source = args.weights ? path.basename(args.weights) : `init seed ${args.seed}`;
  if (size) {
    if (variants.includes('any')) throw new RangeError('--target opencv writes S and L only (OpenCV DNN 4.6 runs no Loop)');
    for (const f of exportDynetOpenCv({ config, variants: variants.filter((v): v is Variant => v !== 'any'), outDir: args.out, weights, source, size })) console.log(`wrote ${f} (${(fs.statSync(f).size / 1e6).toFixed(2)} MB)`);
    return;
  }
  const tiles = args.tile === undefined ? undefined : checkedTiles(args.tile, args.tileOverlap ?? Math.floor(args.tile / 4));
  const result = exportDynet({ config, variants, outDir: args.out, weights, source, weightsDType: args.weightsDtype, tiles });
  for (const f of result.files) console.log(`wrote ${f} (${(fs.statSync(f).size / 1e6).toFixed(2)} MB)`);
}

function checkedTiles(tile: number, overlap: number): { tile: number; overlap: number } {
  if (!Number.isInteger(tile) || tile <= 0 || tile % 8) throw new RangeError(`--tile must be a positive multiple of 8, got ${tile}`);
  if (!Number.isInteger(overlap) || overlap < 0 || overlap > tile / 2) throw new RangeError(`--tile-overlap must be an integer from 0 to tile/2 (${tile / 2}), got ${overlap}`);
  return { tile, overlap };
}

/** --input-size for --target opencv, which takes float32 weights and no tiling metadata. */
function openCvSize(args: Args): [number, number] {
  const m = /^(\d+)x(\d+)$/.exec(args.inputSize ?? '');
  if (!m) throw new RangeError(`--target opencv needs --input-size HxW (OpenCV DNN 4.6 takes one fixed input size), got ${args.inputSize ?? 'none'}`);
  if (args.weightsDtype !== 'float32') throw new RangeError('--target opencv stores float32 weights in the graph (OpenCV DNN 4.6 reads no float16): drop --weights-dtype');
  if (args.tile !== undefined) throw new RangeError('--tile is for --target ort: an OpenCV graph takes one input size');
  return [Number(m[1]), Number(m[2])];
}
