/**
 * Reads parameters from any supported weights file and checks them against a configuration's
 * parameter set, reporting every missing, unexpected or mis-shaped parameter by name.
 */
import * as fs from 'node:fs';
import { ParamSpec } from '../models/dynet/parameters';
import { readSafetensors } from './safetensors';
import { readOnnxWeights } from './onnx-weights';
import { ReadTorchCheckpointOptions, readTorchCheckpoint } from './torch-checkpoint';
import { StateDict, WeightFileError } from './types';

/** Prefixes training frameworks put before the network's own names (Lightning's `net.`, DDP's `module.`). */
const KNOWN_PREFIXES = ['', 'net.', 'module.', 'model.'];

export type WeightFormat = 'torch' | 'safetensors' | 'onnx';

/**
 * Sniffs the format: an exported `.onnx` model (its weights file beside it), else from the first
 * bytes: a zip is a PyTorch checkpoint, a JSON header is safetensors.
 */
export function detectWeightFormat(file: string): WeightFormat {
  if (/\.onnx$/i.test(file)) return 'onnx';
  let head: Buffer;
  try {
    const fd = fs.openSync(file, 'r');
    head = Buffer.alloc(9);
    fs.readSync(fd, head, 0, 9, 0);
    fs.closeSync(fd);
  } catch (err) {
    throw new WeightFileError(file, `cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  if (head[0] === 0x50 && head[1] === 0x4b) return 'torch';
  if (head[8] === 0x7b) return 'safetensors';
  if (/\.safetensors$/i.test(file)) return 'safetensors';
  return 'torch';
}

/** Reads every float tensor of a weights file, names as stored; `options` apply to PyTorch files. */
export function readWeightFile(file: string, options: ReadTorchCheckpointOptions = {}): StateDict {
  const format = detectWeightFormat(file);
  if (format === 'onnx') return readOnnxWeights(file);
  return format === 'safetensors' ? readSafetensors(file).tensors : readTorchCheckpoint(file, options);
}

/**
 * Reads a weights file and returns exactly the parameters of `specs`, under their state-dict
 * names. An exported model does not store the parameters no graph reads (the released network's
 * `reduce_noise_channel_*`); those come back as zeros.
 */
export function loadParameters(file: string, specs: readonly ParamSpec[], options: ReadTorchCheckpointOptions = {}): StateDict {
  const raw = readWeightFile(file, options);
  if (detectWeightFormat(file) === 'onnx') {
    for (const s of specs) if (!raw.has(s.name) && UNUSED_BY_THE_NETWORK.test(s.name)) raw.set(s.name, { shape: s.shape, data: new Float32Array(s.shape.reduce((a, b) => a * b, 1)) });
  }
  return matchParameters(file, raw, specs);
}

/** Parameters the released network declares but never reads (the exported graphs do not store them). */
const UNUSED_BY_THE_NETWORK = /^reduce_noise_channel_\d\.weight$/;

export function matchParameters(file: string, raw: StateDict, specs: readonly ParamSpec[]): StateDict {
  const wanted = new Map(specs.map((s) => [s.name, s.shape]));
  const prefix = KNOWN_PREFIXES.map((p) => ({ p, hits: specs.filter((s) => raw.has(p + s.name)).length })).reduce((a, b) =>
    b.hits > a.hits ? b : a,
  ).p;
  const problems: string[] = [];
  const out: StateDict = new Map();
  for (const [name, shape] of wanted) {
    const t = raw.get(prefix + name);
    if (!t) problems.push(`missing '${name}'`);
    else if (t.shape.join(',') !== shape.join(',')) problems.push(`'${name}' has shape [${t.shape}], expected [${shape}]`);
    else out.set(name, t);
  }
  for (const key of raw.keys()) {
    // optimizer moments ride along in training checkpoints (design.md); they are not parameters
    if (key.startsWith('optimizer.')) continue;
    if (key.startsWith(prefix) && !wanted.has(key.slice(prefix.length))) problems.push(`unexpected '${key}'`);
  }
  if (problems.length) {
    const shown = problems.slice(0, 8).join('; ');
    const more = problems.length > 8 ? `; and ${problems.length - 8} more` : '';
    throw new WeightFileError(file, `does not fit this configuration: ${shown}${more}`);
  }
  return out;
}
