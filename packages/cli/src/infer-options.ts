/** Options the inference commands (restore, eval, serve) share. */
import { DEFAULT_MODEL_DIR, DEFAULT_OVERLAP, DEFAULT_TILE } from '@dynet/infer';
import type { Argv } from 'yargs';

export function withModel<T>(y: Argv<T>) {
  return y
    .option('model', { type: 'string', default: DEFAULT_MODEL_DIR, describe: 'folder written by `dynet export` (dynet-s.onnx, dynet-l.onnx, dynet.weights.bin)' })
    .option('variant', { type: 'string', default: 'S', describe: 'S (DyNet-S) or L (DyNet-L)' })
    .option('depth', { type: 'string', describe: 'run dynet-any.onnx at these reuse counts per level, each 1 to 8 (2,3,3,4 = DyNet-S, 4,6,6,8 = DyNet-L); overrides --variant' });
}

export function withRuntime<T>(y: Argv<T>) {
  return y
    .option('device', { choices: ['cpu', 'cuda', 'webgpu', 'wasm'] as const, default: 'cpu' as const, describe: 'onnxruntime-node cpu/cuda/webgpu, or onnxruntime-web wasm' })
    .option('threads', { type: 'number', describe: 'intra-op threads (default: onnxruntime chooses)' });
}

/** Without --tile, the model's recommended tiling (metadata `dynet.tile`) applies, else `fallback`. */
export function withTiles<T>(y: Argv<T>, fallback: string = `${DEFAULT_TILE}`) {
  return y
    .option('tile', { type: 'number', describe: `tile size, a multiple of 8 (0: whole images); larger images run as overlapping tiles (default: the model's recommendation, else ${fallback})` })
    .option('overlap', { type: 'number', describe: `overlap between tiles in pixels, at most tile/2 (default: the model's recommendation, else ${DEFAULT_OVERLAP})` });
}

/** The parsed values of withModel, withRuntime and withTiles. */
export interface InferArgs {
  model: string;
  variant: string;
  depth?: string;
  device: 'cpu' | 'cuda' | 'webgpu' | 'wasm';
  threads?: number;
  tile?: number;
  overlap?: number;
}
