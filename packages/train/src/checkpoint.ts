/**
 * Training checkpoints: one safetensors file holding the parameters under their state-dict
 * names (so PyTorch's `safetensors` loads them into the authors' model unchanged), the AdamW
 * moments as `optimizer.<name>.exp_avg` / `.exp_avg_sq`, and `__metadata__` with the step,
 * the configuration, resumable state and the tool version.
 */
import { ParamSpec, StateDict, VERSION, WeightFileError, matchParameters, readSafetensors, writeSafetensors } from '@dynet/graph';

export interface TrainingCheckpoint {
  /** every parameter of the configuration, trained or not */
  params: StateDict;
  expAvg: StateDict;
  expAvgSq: StateDict;
  /** optimizer steps taken so far */
  step: number;
  /** free-form strings the training loop keeps across resumes (data order, RNG state...) */
  state: Record<string, string>;
}

const momentKey = (name: string, which: 'exp_avg' | 'exp_avg_sq') => `optimizer.${name}.${which}`;

export function saveCheckpoint(file: string, ckpt: TrainingCheckpoint, configJson: string): void {
  const tensors: StateDict = new Map(ckpt.params);
  for (const [name, t] of ckpt.expAvg) tensors.set(momentKey(name, 'exp_avg'), t);
  for (const [name, t] of ckpt.expAvgSq) tensors.set(momentKey(name, 'exp_avg_sq'), t);
  const metadata: Record<string, string> = {
    format: 'pt',
    'dynet.version': VERSION,
    'dynet.config': configJson,
    'dynet.step': String(ckpt.step),
  };
  for (const [k, v] of Object.entries(ckpt.state)) metadata[`dynet.state.${k}`] = v;
  writeSafetensors(file, tensors, metadata);
}

/**
 * Reads a checkpoint for the parameter set `specs`. Moments absent from the file (a plain
 * weights file) start at zero; moments for only some parameters are an error.
 */
export function loadCheckpoint(file: string, specs: readonly ParamSpec[], trained: readonly string[]): TrainingCheckpoint {
  const { tensors, metadata } = readSafetensors(file);
  const params = matchParameters(file, tensors, specs);
  const expAvg: StateDict = new Map();
  const expAvgSq: StateDict = new Map();
  const hasMoments = trained.some((n) => tensors.has(momentKey(n, 'exp_avg')));
  for (const name of trained) {
    const shape = params.get(name)!.shape;
    for (const [which, into] of [['exp_avg', expAvg], ['exp_avg_sq', expAvgSq]] as const) {
      const t = tensors.get(momentKey(name, which));
      if (hasMoments && !t) throw new WeightFileError(file, `checkpoint has optimizer moments but none for '${name}' (${which})`);
      if (t && t.shape.join(',') !== shape.join(',')) throw new WeightFileError(file, `moment '${momentKey(name, which)}' has shape [${t.shape}], expected [${shape}]`);
      into.set(name, t ?? { shape: [...shape], data: new Float32Array(shape.reduce((a, b) => a * b, 1)) });
    }
  }
  const step = metadata['dynet.step'] === undefined ? 0 : Number(metadata['dynet.step']);
  if (!Number.isInteger(step) || step < 0) throw new WeightFileError(file, `metadata dynet.step '${metadata['dynet.step']}' is not a step count`);
  const state: Record<string, string> = {};
  for (const [k, v] of Object.entries(metadata)) if (k.startsWith('dynet.state.')) state[k.slice('dynet.state.'.length)] = v;
  return { params, expAvg, expAvgSq, step, state };
}
