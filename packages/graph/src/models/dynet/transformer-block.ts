/** Restormer's transformer block TB(d, h): channel attention (MDTA) and gated FFN (GDFN). */
import { Value } from '../../ir/graph';
import { gelu, l2Normalize } from '../../ops/composite';
import { add, mul } from '../../ops/elementwise';
import { matmul } from '../../ops/matmul';
import { softmax } from '../../ops/norm';
import { reshape, split, transpose } from '../../ops/shape';
import { mulDim } from '../../ir/dim';
import { ffnHidden } from './config';
import { channelLayerNorm, channels, conv1x1, dwconv3x3 } from './layers';
import { ParamScope, module } from './param-scope';

/** x = x + attn(norm1(x)); x = x + ffn(norm2(x)) */
export function transformerBlock(p: ParamScope, x: Value, heads: number, ffnFactor: number): Value {
  const normed1 = module(p, 'norm1', (q) => channelLayerNorm(q, x));
  x = add(x, module(p, 'attn', (q) => mdta(q, normed1, heads)));
  const normed2 = module(p, 'norm2', (q) => channelLayerNorm(q, x));
  return add(x, module(p, 'ffn', (q) => gdfn(q, normed2, ffnFactor)));
}

/**
 * q, k, v = split(dwconv3x3(qkv(x)));  per head: softmax(norm(q) @ norm(k)^T * temperature) @ v;
 * then project_out. Attention runs across channels, so its cost is linear in H*W.
 */
export function mdta(p: ParamScope, x: Value, heads: number): Value {
  const d = channels(x);
  const [n, , h, w] = x.shape;
  const qkv = dwconv3x3(p, 'qkv_dwconv', conv1x1(p, 'qkv', x, 3 * d));
  const toHeads = (t: Value) => reshape(t, [n, heads, d / heads, mulDim(h, w)]);
  const [q, k, v] = split(qkv, 1, [d, d, d]).map(toHeads);
  const scores = matmul(l2Normalize(q, -1), transpose(l2Normalize(k, -1), [0, 1, 3, 2]));
  const attn = softmax(mul(scores, p.get('temperature', [heads, 1, 1])), -1);
  const out = reshape(matmul(attn, v), [n, d, h, w]);
  return conv1x1(p, 'project_out', out, d);
}

/** x1, x2 = split(dwconv3x3(project_in(x)));  project_out(gelu(x1) * x2) */
export function gdfn(p: ParamScope, x: Value, ffnFactor: number): Value {
  const d = channels(x);
  const m = ffnHidden(d, ffnFactor);
  const hidden = dwconv3x3(p, 'dwconv', conv1x1(p, 'project_in', x, 2 * m));
  const [x1, x2] = split(hidden, 1, [m, m]);
  return conv1x1(p, 'project_out', mul(gelu(x1), x2), d);
}

/** rep(B, f): the same block, the same weights, applied f times in a row. */
export function repeatBlock(p: ParamScope, name: string, x: Value, times: number, heads: number, ffnFactor: number): Value {
  for (let i = 0; i < times; i++) {
    x = module(p, name, (q) => transformerBlock(q, x, heads, ffnFactor), `${name}@${i}`);
  }
  return x;
}
