import { GraphError } from '../errors';
import { Dim, dimToString } from '../ir/dim';
import { Value } from '../ir/graph';

export interface ConvAttrs {
  kernel_shape: [number, number];
  pads?: [number, number, number, number];
  strides?: [number, number];
  group?: number;
}

/**
 * Output extent of one spatial axis. Symbolic extents are supported where the result stays a
 * monomial: stride 1 with "same" padding keeps the extent.
 */
function convExtent(node: string, d: Dim, k: number, padSum: number, stride: number): Dim {
  if (typeof d === 'number') return Math.floor((d + padSum - k) / stride) + 1;
  if (stride === 1 && padSum === k - 1) return d;
  throw new GraphError('Conv', node, `cannot infer a symbolic extent for ${dimToString(d)} with kernel ${k}, pads ${padSum}, stride ${stride}`);
}

/** 2-D convolution, NCHW, no bias: y = W * x (the authors' convolutions are all bias-free). */
export function conv(x: Value, w: Value, a: ConvAttrs): Value {
  const g = x.graph;
  const node = g.pendingNodeName('Conv');
  const group = a.group ?? 1;
  const pads = a.pads ?? [0, 0, 0, 0];
  const strides = a.strides ?? [1, 1];
  if (x.rank !== 4 || w.rank !== 4) throw new GraphError('Conv', node, 'expects 4-D input and weight', { x: x.shape, w: w.shape });
  const [cOut, cInPerGroup, kh, kw] = w.shape as number[];
  const cIn = x.shape[1];
  if (typeof cIn !== 'number' || cIn !== cInPerGroup * group) {
    throw new GraphError('Conv', node, `input has ${dimToString(cIn)} channels, weight and group ${group} expect ${cInPerGroup * group}`, { x: x.shape, w: w.shape });
  }
  if (cOut % group !== 0) {
    throw new GraphError('Conv', node, `weight has ${cOut} output channels, not divisible by group ${group}`, { w: w.shape });
  }
  if (kh !== a.kernel_shape[0] || kw !== a.kernel_shape[1]) {
    throw new GraphError('Conv', node, `kernel_shape [${a.kernel_shape}] does not match the weight`, { w: w.shape });
  }
  const shape = [
    x.shape[0],
    cOut,
    convExtent(node, x.shape[2], kh, pads[0] + pads[2], strides[0]),
    convExtent(node, x.shape[3], kw, pads[1] + pads[3], strides[1]),
  ];
  const attrs = { dilations: [1, 1], group, kernel_shape: [kh, kw], pads, strides };
  return g.addNode('Conv', [x, w], attrs, [{ dtype: 'float32', shape }])[0];
}
