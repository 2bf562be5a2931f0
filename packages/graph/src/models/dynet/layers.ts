/** Small layers shared by the DyNet modules: bias-free convolutions and the channel layer norm. */
import { Value } from '../../ir/graph';
import { conv } from '../../ops/conv';
import { depthwiseConvNchwc } from '../../ops/nchwc';
import { layerNormalization } from '../../ops/norm';
import { add, div, mul, sqrt, sub } from '../../ops/elementwise';
import { reshape, transpose } from '../../ops/shape';
import { ParamScope } from './param-scope';

export function channels(x: Value): number {
  return x.shape[1] as number;
}

/** 1x1 convolution `name`: cIn -> cOut */
export function conv1x1(p: ParamScope, name: string, x: Value, cOut: number): Value {
  return conv(x, p.get(`${name}.weight`, [cOut, channels(x), 1, 1]), { kernel_shape: [1, 1] });
}

/** 3x3 convolution `name` with padding 1: cIn -> cOut */
export function conv3x3(p: ParamScope, name: string, x: Value, cOut: number): Value {
  return conv(x, p.get(`${name}.weight`, [cOut, channels(x), 3, 3]), { kernel_shape: [3, 3], pads: [1, 1, 1, 1] });
}

/** 3x3 depthwise convolution `name` with padding 1 */
export function dwconv3x3(p: ParamScope, name: string, x: Value): Value {
  return depthwise3x3(x, p.get(`${name}.weight`, [channels(x), 1, 3, 3]));
}

/** x's channels each convolved with their own 3x3 filter w [C, 1, 3, 3], padding 1 (ONNX Runtime's NCHWc kernel in CPU training graphs) */
export function depthwise3x3(x: Value, w: Value): Value {
  if (x.graph.nchwcBlock > 0) return depthwiseConvNchwc(x, w, [1, 1, 1, 1]);
  return conv(x, w, { kernel_shape: [3, 3], pads: [1, 1, 1, 1], group: channels(x) });
}

/**
 * Restormer's LayerNorm over the channel axis at every pixel (`p.body.weight`, `p.body.bias`):
 * (x - mean_c) / sqrt(var_c + 1e-5) * weight + bias. Computed channels-last by the runtime's
 * LayerNormalization kernel, between two transposes, as the authors' to_3d/to_4d do.
 */
export function channelLayerNorm(p: ParamScope, x: Value): Value {
  const c = channels(x);
  const nhwc = transpose(x, [0, 2, 3, 1]);
  const y = layerNormalization(nhwc, p.get('body.weight', [c]), p.get('body.bias', [c]), 1e-5);
  return transpose(y, [0, 3, 1, 2]);
}

/**
 * The same LayerNorm with only NCHW ops and per-channel broadcasts (BuildOptions.portable): each
 * channel mean is a 1x1 convolution with 1/C weights, so every elementwise op sees equal shapes
 * or a [1,C,1,1] operand.
 */
export function channelLayerNormPortable(p: ParamScope, x: Value): Value {
  const c = channels(x);
  const g = x.graph;
  const averaging = g.constant(new Float32Array(c * c).fill(1 / c), [c, c, 1, 1], 'channel_mean');
  const channelMean = (t: Value) => conv(t, averaging, { kernel_shape: [1, 1] });
  const perChannel = (v: Value) => reshape(v, [1, c, 1, 1]);
  const centred = sub(x, channelMean(x));
  const std = sqrt(add(channelMean(mul(centred, centred)), g.constant(new Float32Array(c).fill(1e-5), [1, c, 1, 1], 'ln_eps')));
  return add(mul(div(centred, std), perChannel(p.get('body.weight', [c]))), perChannel(p.get('body.bias', [c])));
}
