/** Restormer's transformer block TB(d, h): channel attention (MDTA) and gated FFN (GDFN). */
import { Value } from '../../ir/graph';
import { gatedGelu, l2Normalize } from '../../ops/composite';
import { add, div, mul } from '../../ops/elementwise';
import { reduceL2 } from '../../ops/reduce';
import { matmul } from '../../ops/matmul';
import { softmax } from '../../ops/norm';
import { conv } from '../../ops/conv';
import { concat, padEnd, reshape, slice, split, transpose } from '../../ops/shape';
import { mulDim } from '../../ir/dim';
import { loop, recomputable } from '../../ops/control';
import { ffnHidden } from './config';
import { channelLayerNorm, channelLayerNormPortable, channels, conv1x1, depthwise3x3, dwconv3x3 } from './layers';

/** F.normalize's eps */
const L2_EPS = 1e-12;
import { ParamScope, module } from './param-scope';

/** What distinguishes one TB(d, h) from another besides its width d. */
export interface BlockSpec {
  heads: number;
  ffnFactor: number;
  /** see BuildOptions.ffnAlign */
  ffnAlign: number;
  /** see BuildOptions.portable */
  portable: boolean;
}

/** x = x + attn(norm1(x)); x = x + ffn(norm2(x)) */
export function transformerBlock(p: ParamScope, input: Value, spec: BlockSpec): Value {
  const norm = spec.portable ? channelLayerNormPortable : channelLayerNorm;
  // a training graph built with recomputation keeps only the block's input for the backward pass
  return recomputable(input, (x) => {
    const normed1 = module(p, 'norm1', (q) => norm(q, x));
    x = add(x, module(p, 'attn', (q) => mdta(q, normed1, spec.heads, spec.portable)));
    const normed2 = module(p, 'norm2', (q) => norm(q, x));
    return add(x, module(p, 'ffn', (q) => gdfn(q, normed2, spec.ffnFactor, spec.ffnAlign)));
  });
}

/**
 * q, k, v = split(dwconv3x3(qkv(x)));  per head: softmax(norm(q) @ norm(k)^T * temperature) @ v;
 * then project_out. Attention runs across channels, so its cost is linear in H*W.
 */
export function mdta(p: ParamScope, x: Value, heads: number, portable = false): Value {
  const d = channels(x);
  const [n, , h, w] = x.shape;
  const qkv = dwconv3x3(p, 'qkv_dwconv', conv1x1(p, 'qkv', x, 3 * d));
  const toHeads = (t: Value) => reshape(t, [n, heads, d / heads, mulDim(h, w)]);
  const [q, k, v] = split(qkv, 1, [d, d, d]).map(toHeads);
  const normalize = portable ? (t: Value) => div(t, add(reduceL2(t, [-1]), L2_EPS)) : (t: Value) => l2Normalize(t, -1, L2_EPS);
  const scores = matmul(normalize(q), transpose(normalize(k), [0, 1, 3, 2]));
  const attn = softmax(mul(scores, p.get('temperature', [heads, 1, 1])), -1);
  const out = reshape(matmul(attn, v), [n, d, h, w]);
  return conv1x1(p, 'project_out', out, d);
}

/** x1, x2 = split(dwconv3x3(project_in(x)));  project_out(gelu(x1) * x2) */
export function gdfn(p: ParamScope, x: Value, ffnFactor: number, align: number): Value {
  const d = channels(x);
  const m = ffnHidden(d, ffnFactor);
  if (align > 0) return gdfnAligned(p, x, m, Math.ceil(m / align) * align);
  const hidden = dwconv3x3(p, 'dwconv', conv1x1(p, 'project_in', x, 2 * m));
  const [x1, x2] = split(hidden, 1, [m, m]);
  return conv1x1(p, 'project_out', gatedGelu(x1, x2), d);
}

/**
 * The same GDFN with each gated half as its own conv chain, hidden width padded from m to
 * `width` with zero weights: padded channels stay 0 through dwconv and gelu(0) * 0, and
 * project_out's zero columns ignore them. Weight slices and pads are constant subgraphs
 * that runtimes fold once at load.
 */
function gdfnAligned(p: ParamScope, x: Value, m: number, width: number): Value {
  const d = channels(x);
  const wIn = p.get('project_in.weight', [2 * m, d, 1, 1]);
  const wDw = p.get('dwconv.weight', [2 * m, 1, 3, 3]);
  const wOut = p.get('project_out.weight', [d, m, 1, 1]);
  const half = (w: Value, k: number) => padEnd(slice(w, 0, k * m, (k + 1) * m), [width - m, 0, 0, 0]);
  const branch = (k: number) =>
    depthwise3x3(conv(x, half(wIn, k), { kernel_shape: [1, 1] }), half(wDw, k));
  const gated = gatedGelu(branch(0), branch(1));
  return conv(gated, padEnd(wOut, [0, width - m, 0, 0]), { kernel_shape: [1, 1] });
}

/** rep(B, f): the same block, the same weights, applied f times in a row. */
export function repeatBlock(p: ParamScope, name: string, x: Value, times: number, spec: BlockSpec): Value {
  for (let i = 0; i < times; i++) {
    x = module(p, name, (q) => transformerBlock(q, x, spec), `${name}@${i}`);
  }
  return x;
}

/** rep(B, f) with f a runtime int64 scalar: the block once, inside an ONNX Loop run f times. */
export function loopBlock(p: ParamScope, name: string, x: Value, times: Value, spec: BlockSpec): Value {
  return loop(times, x, (xi) => module(p.mapped(bodyLocalWeight), name, (q) => transformerBlock(q, xi, spec), `${name}@loop`));
}

/**
 * A convolution weight read inside a Loop body as a one-input Concat of the outer initializer:
 * constant folding turns it into an initializer of the body itself, and ONNX Runtime's NCHWc
 * layout rewrite, which looks only at the body's own initializers, then takes the body's
 * convolutions too (without it dynet-any.onnx ran 1.06x slower than the unrolled graph).
 * Identity would not do: the runtime removes it before folding.
 */
function bodyLocalWeight(param: Value): Value {
  return param.rank === 4 ? concat([param], 0) : param;
}
