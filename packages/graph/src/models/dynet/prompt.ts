/** The prompt-generation block PG(p, L, s, l) (`promptK.*`). */
import { Value } from '../../ir/graph';
import { matmul, linear } from '../../ops/matmul';
import { softmax } from '../../ops/norm';
import { reduceMean } from '../../ops/reduce';
import { resizeBilinear } from '../../ops/resize';
import { reshape } from '../../ops/shape';
import { channels, conv3x3 } from './layers';
import { ParamScope } from './param-scope';

/**
 * emb = mean_HW(x);  w = softmax(linear_layer(emb));  P = sum_k w_k * prompt_param_k;
 * out = conv3x3(bilinear_resize(P, H, W))
 */
export function promptBlock(p: ParamScope, x: Value, promptDim: number, promptSize: number, promptLen: number): Value {
  const l = channels(x);
  const [n, , h, w] = x.shape;
  const emb = reduceMean(x, [2, 3], false);
  const weights = softmax(linear(emb, p.get('linear_layer.weight', [promptLen, l]), p.get('linear_layer.bias', [promptLen])), 1);
  const flat = promptDim * promptSize * promptSize;
  const components = reshape(p.get('prompt_param', [1, promptLen, promptDim, promptSize, promptSize]), [promptLen, flat]);
  const mixed = reshape(matmul(weights, components), [n, promptDim, promptSize, promptSize]);
  return conv3x3(p, 'conv3x3', resizeBilinear(mixed, h, w), promptDim);
}
