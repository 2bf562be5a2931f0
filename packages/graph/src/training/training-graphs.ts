/**
 * The training artifacts' graphs, as design.md names them: standard ops only, so they run in
 * any stock ONNX Runtime. Parameters are graph inputs (the session feeds them every step).
 */
import { Graph, Value } from '../ir/graph';
import { gradients } from '../autodiff/backward';
import { DynetConfig, Variant } from '../models/dynet/config';
import { dynetForward } from '../models/dynet/dynet';
import { FAST_BUILD } from '../models/dynet/build-options';
import { ParamScope } from '../models/dynet/param-scope';
import { LossKind, restorationLoss } from './loss';
import { AdamWHyper, adamwUpdate, optimizerNames, stepScalars } from './adamw';

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

function forwardWithLoss(config: DynetConfig, variant: Variant, loss: LossKind, shape: TrainingShape): ForwardWithLoss {
  const { batch, height, width } = shape;
  if (![batch, height, width].every((d) => Number.isInteger(d) && d > 0) || height % 8 || width % 8) {
    throw new RangeError(`training shape must be a positive batch and H, W multiples of 8; got ${batch}x${height}x${width}`);
  }
  const g = new Graph();
  const input = g.input('input', 'float32', [batch, 3, height, width]);
  const target = g.input('target', 'float32', [batch, 3, height, width]);
  const output = dynetForward(new ParamScope(g), input, config, config.reuse[variant], FAST_BUILD);
  const lossValue = restorationLoss(loss, output, target);
  const used = new Set(g.nodes.flatMap((n) => n.inputs));
  const params = [...g.params.values()].filter((p) => used.has(p));
  return { graph: g, output, loss: lossValue, params };
}

/** `training_model.onnx`: params, input, target -> loss and `<name>_grad` per parameter. */
export function buildTrainingGraph(config: DynetConfig, variant: Variant, loss: LossKind, shape: TrainingShape): Graph {
  const f = forwardWithLoss(config, variant, loss, shape);
  const grads = gradients(f.graph, f.loss, f.params);
  f.graph.output(f.loss, 'loss');
  for (const p of f.params) f.graph.output(grads.get(p)!, `${p.name}_grad`);
  return f.graph;
}

/** `eval_model.onnx`: params, input, target -> loss and output. */
export function buildEvalGraph(config: DynetConfig, variant: Variant, loss: LossKind, shape: TrainingShape): Graph {
  const f = forwardWithLoss(config, variant, loss, shape);
  f.graph.output(f.loss, 'loss');
  f.graph.output(f.output, 'output');
  return f.graph;
}

/**
 * One graph for a whole step (forward, backward and AdamW): params, moments, input, target,
 * `learning_rate`, `step` -> loss and the updated params and moments, so gradients never
 * leave the runtime.
 */
export function buildFusedStepGraph(config: DynetConfig, variant: Variant, loss: LossKind, shape: TrainingShape, h: AdamWHyper): Graph {
  const f = forwardWithLoss(config, variant, loss, shape);
  const g = f.graph;
  const grads = gradients(g, f.loss, f.params);
  const lr = g.input('learning_rate', 'float32', []);
  const step = g.input('step', 'float32', []);
  const k = g.scope('adamw', () => stepScalars(g, lr, step, h));
  const n = optimizerNames;
  g.output(f.loss, 'loss');
  for (const p of f.params) {
    const shapeP = p.shape as number[];
    const state = {
      param: p,
      grad: grads.get(p)!,
      expAvg: g.input(n.expAvg(p.name), 'float32', shapeP),
      expAvgSq: g.input(n.expAvgSq(p.name), 'float32', shapeP),
    };
    const next = g.scope(`adamw.${p.name}`, () => adamwUpdate(state, k, h));
    g.output(next.param, n.updated(p.name));
    g.output(next.expAvg, n.updated(n.expAvg(p.name)));
    g.output(next.expAvgSq, n.updated(n.expAvgSq(p.name)));
  }
  return g;
}
