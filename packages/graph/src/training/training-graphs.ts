/**
 * The training artifacts' graphs, as design.md names them: standard ops only, so they run in
 * any stock ONNX Runtime. Parameters are graph inputs (the session feeds them every step).
 */
import { Graph, Value } from '../ir/graph';
import { GradientOptions, gradients } from '../autodiff/backward';
import { DynetConfig, Reuse, Variant } from '../models/dynet/config';
import { dynetForward } from '../models/dynet/dynet';
import { FAST_BUILD } from '../models/dynet/build-options';
import { ParamScope, ParamSource } from '../models/dynet/param-scope';
import { LossKind, restorationLoss } from './loss';
import { AdamWHyper, adamwUpdate, optimizerNames, stepScalars } from './adamw';
import { concat, reshape, slice } from '../ops/shape';

const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** How a training graph is built: GradientOptions, and the runtime it is for. */
export interface TrainingGraphOptions extends GradientOptions {
  /**
   * ONNX Runtime CPU's NCHWc block size (8 on AVX2, 16 on AVX-512: nchwcBlockSize() in
   * @dynet/train): the depthwise convolutions and their gradients run on its blocked kernels
   * (ops/nchwc.ts), several times faster than the standard ops there; 0 or absent: standard
   * ops only, for any runtime
   */
  nchwcBlock?: number;
}

export interface TrainingShape {
  batch: number;
  height: number;
  width: number;
}

export interface ForwardWithLoss {
  graph: Graph;
  output: Value;
  loss: Value;
  /** parameters the forward pass reads, in first-use order */
  params: Value[];
}

function forwardWithLoss(
  config: DynetConfig,
  variant: Variant | Reuse,
  loss: LossKind,
  shape: TrainingShape,
  sourceFor?: (g: Graph) => ParamSource,
  nchwcBlock = 0,
): ForwardWithLoss {
  const { batch, height, width } = shape;
  if (![batch, height, width].every((d) => Number.isInteger(d) && d > 0) || height % 8 || width % 8) {
    throw new RangeError(`training shape must be a positive batch and H, W multiples of 8; got ${batch}x${height}x${width}`);
  }
  const g = new Graph();
  g.nchwcBlock = nchwcBlock;
  const input = g.input('input', 'float32', [batch, 3, height, width]);
  const target = g.input('target', 'float32', [batch, 3, height, width]);
  const output = dynetForward(new ParamScope(g, '', sourceFor?.(g)), input, config, Array.isArray(variant) ? variant : config.reuse[variant], FAST_BUILD);
  const lossValue = restorationLoss(loss, output, target);
  const used = new Set(g.nodes.flatMap((n) => n.inputs));
  const params = [...g.params.values()].filter((p) => used.has(p));
  return { graph: g, output, loss: lossValue, params };
}

/** The parameters a variant's training graphs train, in graph input order. */
export function trainedParameters(config: DynetConfig, variant: Variant | Reuse, loss: LossKind, shape: TrainingShape): { name: string; shape: number[] }[] {
  return forwardWithLoss(config, variant, loss, shape).params.map((p) => ({ name: p.name, shape: p.shape as number[] }));
}

/** Names of the fused step's flat tensors: every trained parameter (and moment) end to end, in `trained` order. */
export const FLAT_NAMES = { parameters: 'parameters', expAvg: 'exp_avg', expAvgSq: 'exp_avg_sq' } as const;

/**
 * A source that reads the trained parameters from one flat graph input, `parameters`, laid out
 * in `trained` order (a Slice and a Reshape each); other names stay graph parameters.
 */
function flatSource(trained: readonly { name: string; shape: number[] }[]): { sourceFor: (g: Graph) => ParamSource; flat: () => Value; view: (name: string) => Value } {
  let flat: Value | undefined;
  const views = new Map<string, Value>();
  const offsets = new Map<string, number>();
  let total = 0;
  for (const t of trained) {
    offsets.set(t.name, total);
    total += sizeOf(t.shape);
  }
  const sourceFor = (g: Graph): ParamSource => {
    flat = g.input(FLAT_NAMES.parameters, 'float32', [total]);
    return (name, shape) => {
      const start = offsets.get(name);
      if (start === undefined) return g.param(name, shape);
      let v = views.get(name);
      if (!v) {
        const size = sizeOf(shape);
        v = g.scope(`parameters.${name}`, () => reshape(slice(flat!, 0, start, start + size), shape));
        views.set(name, v);
      }
      return v;
    };
  };
  const view = (name: string) => {
    const v = views.get(name);
    if (!v) throw new Error(`trained parameter '${name}' was never read by the forward pass`);
    return v;
  };
  return { sourceFor, flat: () => flat!, view };
}

/** `training_model.onnx`: params, input, target -> loss and `<name>_grad` per parameter. */
export function buildTrainingGraph(config: DynetConfig, variant: Variant | Reuse, loss: LossKind, shape: TrainingShape, opts: TrainingGraphOptions = {}): Graph {
  const f = forwardWithLoss(config, variant, loss, shape, undefined, opts.nchwcBlock);
  const grads = gradients(f.graph, f.loss, f.params, opts);
  f.graph.output(f.loss, 'loss');
  for (const p of f.params) f.graph.output(grads.get(p)!, `${p.name}_grad`);
  return f.graph;
}

/** `eval_model.onnx`: params, input, target -> loss and output. */
export function buildEvalGraph(config: DynetConfig, variant: Variant | Reuse, loss: LossKind, shape: TrainingShape): Graph {
  const f = forwardWithLoss(config, variant, loss, shape);
  f.graph.output(f.loss, 'loss');
  f.graph.output(f.output, 'output');
  return f.graph;
}

/**
 * One graph for a whole step (forward, backward and AdamW), so gradients never leave the
 * runtime. Parameters and moments travel as three flat tensors (FLAT_NAMES, each trained
 * parameter end to end in `trainedParameters` order) instead of three per parameter: one
 * AdamW update over all of them runs as 13 large elementwise nodes instead of 13 small ones
 * per parameter, and a step hands the runtime a few tensors instead of hundreds.
 * Inputs: `parameters`, `exp_avg`, `exp_avg_sq`, `input`, `target`, `learning_rate`, `step`;
 * outputs: `loss` (before the update) and `parameters.updated`, `exp_avg.updated`,
 * `exp_avg_sq.updated`.
 */
export function buildFusedStepGraph(config: DynetConfig, variant: Variant | Reuse, loss: LossKind, shape: TrainingShape, h: AdamWHyper, opts: TrainingGraphOptions = {}): Graph {
  const trained = trainedParameters(config, variant, loss, shape);
  const source = flatSource(trained);
  const f = forwardWithLoss(config, variant, loss, shape, source.sourceFor, opts.nchwcBlock);
  const g = f.graph;
  const views = trained.map((t) => source.view(t.name));
  const grads = gradients(g, f.loss, views, opts);
  const flatGrad = g.scope('grad/parameters', () => concat(views.map((v, i) => reshape(grads.get(v)!, [sizeOf(trained[i].shape)])), 0));
  const total = source.flat().shape[0];
  const lr = g.input('learning_rate', 'float32', []);
  const step = g.input('step', 'float32', []);
  const k = g.scope('adamw', () => stepScalars(g, lr, step, h));
  const state = {
    param: source.flat(),
    grad: flatGrad,
    expAvg: g.input(FLAT_NAMES.expAvg, 'float32', [total]),
    expAvgSq: g.input(FLAT_NAMES.expAvgSq, 'float32', [total]),
  };
  const next = g.scope('adamw', () => adamwUpdate(state, k, h));
  const n = optimizerNames;
  g.output(f.loss, 'loss');
  g.output(next.param, n.updated(FLAT_NAMES.parameters));
  g.output(next.expAvg, n.updated(FLAT_NAMES.expAvg));
  g.output(next.expAvgSq, n.updated(FLAT_NAMES.expAvgSq));
  return g;
}
