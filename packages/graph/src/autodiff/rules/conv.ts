/**
 * Gradient of the 2-D convolution (stride 1, padding up to kernel - 1, any group), written with forward
 * convolutions so runtimes use their fast kernels:
 *   dx = conv(dy, flip(w) with in/out channels swapped per group), "full" padding
 *   dw = conv(x as [Cin/g, g*N, H, W], dy as [Cout, N, H', W'], group g): batch and channels
 *        trade places so the sum over the batch becomes the convolution's channel sum;
 *        1x1 convolutions use one batched MatMul instead.
 * (Graphs built for ONNX Runtime's CPU run depthwise convolutions as composites with their
 * own rule instead: ops/nchwc.ts.)
 */
import { Node, Value } from '../../ir/graph';
import { conv } from '../../ops/conv';
import { matmul } from '../../ops/matmul';
import { reduceSum } from '../../ops/reduce';
import { reshape, reverse, transpose } from '../../ops/shape';
import { RuleTable } from '../rule';
import { dims } from '../util';

function swapGroupChannels(w: Value, group: number): Value {
  const [cOut, cInG, kh, kw] = dims(w);
  if (cInG === 1 && cOut === group) return w; // depthwise: already its own transpose
  if (group === 1) return transpose(w, [1, 0, 2, 3]);
  const grouped = reshape(w, [group, cOut / group, cInG, kh, kw]);
  return reshape(transpose(grouped, [0, 2, 1, 3, 4]), [cInG * group, cOut / group, kh, kw]);
}

function inputGrad(node: Node, dy: Value): Value {
  const w = node.inputs[1]!;
  const [, , kh, kw] = dims(w);
  const [pt, pl, pb, pr] = node.attrs.pads as number[];
  const group = node.attrs.group as number;
  let wT = swapGroupChannels(w, group);
  if (kh > 1 || kw > 1) wT = reverse(wT, [2, 3]);
  const pads: [number, number, number, number] = [kh - 1 - pt, kw - 1 - pl, kh - 1 - pb, kw - 1 - pr];
  return conv(dy, wT, { kernel_shape: [kh, kw], pads, group });
}

function weightGrad(node: Node, dy: Value): Value {
  const [x, w] = node.inputs as Value[];
  const [n, cIn, h, wd] = dims(x);
  const [cOut, cInG, kh, kw] = dims(w);
  const [, , ho, wo] = dims(dy);
  const group = node.attrs.group as number;
  const unpadded = (node.attrs.pads as number[]).every((p) => p === 0);
  if (kh === 1 && kw === 1 && group === 1 && unpadded) {
    const xs = transpose(reshape(x, [n, cIn, h * wd]), [0, 2, 1]);
    const perImage = matmul(reshape(dy, [n, cOut, ho * wo]), xs);
    return reshape(reduceSum(perImage, [0], false), [cOut, cIn, 1, 1]);
  }
  const xGrouped = transpose(reshape(x, [n, group, cInG, h, wd]), [2, 1, 0, 3, 4]);
  const xAsBatch = reshape(xGrouped, [cInG, group * n, h, wd]);
  const dyAsWeight = transpose(dy, [1, 0, 2, 3]);
  const pads = node.attrs.pads as [number, number, number, number];
  const dw = conv(xAsBatch, dyAsWeight, { kernel_shape: [ho, wo], pads, group });
  return transpose(dw, [1, 0, 2, 3]);
}

export const convRules: RuleTable = {
  Conv: (node, [dy], c) => {
    const strides = node.attrs.strides as number[];
    const dilations = node.attrs.dilations as number[];
    if (strides.some((s) => s !== 1) || dilations.some((d) => d !== 1)) {
      throw new RangeError(`Conv gradient '${node.name}': only stride 1 and dilation 1 are supported`);
    }
    if (node.inputs[2]) throw new RangeError(`Conv gradient '${node.name}': convolutions with bias are not supported`);
    const [kh, kw] = node.attrs.kernel_shape as number[];
    const [pt, pl, pb, pr] = node.attrs.pads as number[];
    if (pt > kh - 1 || pb > kh - 1 || pl > kw - 1 || pr > kw - 1) {
      throw new RangeError(`Conv gradient '${node.name}': pads [${node.attrs.pads}] beyond kernel size - 1 are not supported`);
    }
    return [c.wants(0) ? inputGrad(node, dy!) : null, c.wants(1) ? weightGrad(node, dy!) : null];
  },
};
