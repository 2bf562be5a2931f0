/**
 * AdamW as PyTorch's torch.optim.AdamW computes it (decoupled weight decay, bias correction),
 * built from standard ops. Adam without weight decay is the same with weightDecay = 0.
 */
import { Graph, Value } from '../ir/graph';
import { add, div, mul, pow, sqrt, sub } from '../ops/elementwise';

export interface AdamWHyper {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}

/** PyTorch's AdamW defaults, and the authors' fine-tuning setting (weight decay 0.01). */
export const ADAMW_DEFAULTS: AdamWHyper = { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 };

export interface AdamWState {
  param: Value;
  grad: Value;
  expAvg: Value;
  expAvgSq: Value;
}

/** Scalars shared by every parameter's update at one step (step counts from 1). */
export interface StepScalars {
  decay: Value; // 1 - lr * weight_decay
  stepSize: Value; // lr / (1 - beta1^step)
  bc2Sqrt: Value; // sqrt(1 - beta2^step)
}

export function stepScalars(g: Graph, lr: Value, step: Value, h: AdamWHyper): StepScalars {
  const one = g.scalar(1);
  return {
    decay: sub(one, mul(lr, h.weightDecay)),
    stepSize: div(lr, sub(one, pow(g.scalar(h.beta1), step))),
    bc2Sqrt: sqrt(sub(one, pow(g.scalar(h.beta2), step))),
  };
}

/**
 * param *= 1 - lr*wd;  m = lerp(m, grad, 1 - beta1);  v = beta2*v + (1 - beta2)*grad^2;
 * param -= lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
 */
export function adamwUpdate(s: AdamWState, k: StepScalars, h: AdamWHyper): { param: Value; expAvg: Value; expAvgSq: Value } {
  const decayed = mul(s.param, k.decay);
  const expAvg = add(s.expAvg, mul(sub(s.grad, s.expAvg), 1 - h.beta1));
  const expAvgSq = add(mul(s.expAvgSq, h.beta2), mul(mul(s.grad, s.grad), 1 - h.beta2));
  const denom = add(div(sqrt(expAvgSq), k.bc2Sqrt), h.eps);
  const param = sub(decayed, mul(div(expAvg, denom), k.stepSize));
  return { param, expAvg, expAvgSq };
}

/** Names of the optimizer's tensors, as design.md fixes them. */
export const optimizerNames = {
  grad: (p: string) => `${p}_grad`,
  expAvg: (p: string) => `${p}.exp_avg`,
  expAvgSq: (p: string) => `${p}.exp_avg_sq`,
  updated: (name: string) => `${name}.updated`,
};

/**
 * `optimizer_model.onnx`: inputs `learning_rate`, `step` and per parameter `<name>`,
 * `<name>_grad`, `<name>.exp_avg`, `<name>.exp_avg_sq`; outputs `<name>.updated`,
 * `<name>.exp_avg.updated` and `<name>.exp_avg_sq.updated`.
 */
export function buildOptimizerGraph(params: readonly { name: string; shape: number[] }[], h: AdamWHyper): Graph {
  const g = new Graph();
  const lr = g.input('learning_rate', 'float32', []);
  const step = g.input('step', 'float32', []);
  const k = stepScalars(g, lr, step, h);
  const n = optimizerNames;
  for (const { name, shape } of params) {
    const state = {
      param: g.input(name, 'float32', shape),
      grad: g.input(n.grad(name), 'float32', shape),
      expAvg: g.input(n.expAvg(name), 'float32', shape),
      expAvgSq: g.input(n.expAvgSq(name), 'float32', shape),
    };
    const next = g.scope(name, () => adamwUpdate(state, k, h));
    g.output(next.param, n.updated(name));
    g.output(next.expAvg, n.updated(n.expAvg(name)));
    g.output(next.expAvgSq, n.updated(n.expAvgSq(name)));
  }
  return g;
}
