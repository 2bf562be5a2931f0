/**
 * ONNX Runtime's CPU convolutions in its blocked-channel layout ("NCHWc": channels in blocks of
 * `block`, 8 with AVX2, 16 with AVX-512, each block's values contiguous per pixel). The runtime
 * switches inference models to these kernels itself, but only for convolutions whose weights are
 * constants; training graphs take their weights as inputs, so they call the kernels directly
 * (domain `com.microsoft.nchwc`, onnxruntime's CPU provider only) and reorder the weights with
 * standard ops. The block size is the runtime's and the machine's: a graph built for one block
 * size is wrong on another (the training artifacts record it).
 */
import { GraphError } from '../errors';
import { Composite, Value } from '../ir/graph';
import { reduceSum } from './reduce';
import { padEnd, reshape, reverse, transpose } from './shape';

const roundUp = (n: number, m: number) => Math.ceil(n / m) * m;

function staticDims(x: Value, op: string): number[] {
  if (!x.shape.every((d): d is number => typeof d === 'number')) throw new GraphError(op, x.name, 'needs static shapes', { x: x.shape });
  return [...x.shape] as number[];
}

/** NCHW -> NCHWc, channels zero-padded to a multiple of `block` (the runtime wants a multiple of 4 in). */
export function reorderInput(x: Value, block: number): Value {
  const [n, c, h, w] = staticDims(x, 'ReorderInput');
  const x4 = padEnd(x, [0, roundUp(c, 4) - c, 0, 0]);
  return x.graph.addNode('com.microsoft.nchwc.ReorderInput', [x4], { channels_last: 0 }, [{ dtype: 'float32', shape: [n, roundUp(c, block), h, w] }])[0];
}

/** NCHWc -> NCHW, keeping the first `channels` channels. */
function reorderOutput(x: Value, channels: number): Value {
  const [n, , h, w] = staticDims(x, 'ReorderOutput');
  return x.graph.addNode('com.microsoft.nchwc.ReorderOutput', [x], { channels, channels_last: 0 }, [{ dtype: 'float32', shape: [n, channels, h, w] }])[0];
}

/** A depthwise filter [C, 1, kh, kw] in the layout the NCHWc depthwise kernel reads: [C/block][kh][kw][block]. */
function depthwiseFilter(w: Value, block: number): Value {
  const [c, , kh, kw] = staticDims(w, 'NchwcConv');
  const cp = roundUp(c, block);
  const blocks = reshape(padEnd(w, [cp - c, 0, 0, 0]), [cp / block, block, kh, kw]);
  return reshape(transpose(blocks, [0, 2, 3, 1]), [cp, 1, kh, kw]);
}

/** A depthwise convolution (stride 1) of NCHWc-reordered xr by an NCHW-layout filter [C, 1, kh, kw], back to NCHW with `channels` channels. */
function depthwiseConvBlocked(xr: Value, w: Value, pads: [number, number, number, number], channels: number): Value {
  const [n, , h, wd] = staticDims(xr, 'NchwcConv');
  const [, , kh, kw] = staticDims(w, 'NchwcConv');
  const filter = depthwiseFilter(w, xr.graph.nchwcBlock);
  const cp = filter.shape[0] as number;
  if (xr.shape[1] !== cp) throw new GraphError('NchwcConv', xr.name, `reordered input has ${xr.shape[1]} channels, the filter ${cp}`);
  const attrs = { dilations: [1, 1], group: cp, kernel_shape: [kh, kw], pads, strides: [1, 1] };
  const shape = [n, cp, h + pads[0] + pads[2] - kh + 1, wd + pads[1] + pads[3] - kw + 1];
  return reorderOutput(xr.graph.addNode('com.microsoft.nchwc.Conv', [xr, filter], attrs, [{ dtype: 'float32', shape }])[0], channels);
}

/**
 * A depthwise convolution in a graph built for ONNX Runtime's CPU (Graph.nchwcBlock): the
 * NCHWc kernel with the input reordered in and the output reordered back, as one composite
 * whose gradient (depthwiseConvNchwcGrad) uses the same kernels and the reordered input.
 */
export function depthwiseConvNchwc(x: Value, w: Value, pads: [number, number, number, number]): Value {
  const g = x.graph;
  const first = g.nodes.length;
  const blocked = reorderInput(x, g.nchwcBlock);
  const output = depthwiseConvBlocked(blocked, w, pads, staticDims(x, 'NchwcConv')[1]);
  const c: Composite = { kind: 'DepthwiseConvNchwc', inputs: [x, w], output, nodes: g.nodes.slice(first), saved: { pads: g.ints(pads), blocked } };
  g.composites.push(c);
  return output;
}

/**
 * Gradients of depthwiseConvNchwc: dx is the depthwise convolution of dy by the flipped
 * filter; dw reuses the forward's reordered input and dy's reordering where the channels
 * fill whole blocks (a batch of NCHWc images is then, byte for byte, one NCHWc image of N*C
 * channels, and dy's the filter layout depthwiseWeightGradNchwc needs).
 */
export function depthwiseConvNchwcGrad(x: Value, w: Value, blocked: Value, pads: [number, number, number, number], dy: Value): [Value, Value] {
  const block = x.graph.nchwcBlock;
  const [n, c, h, wd] = staticDims(x, 'NchwcConv');
  const [, , kh, kw] = staticDims(w, 'NchwcConv');
  const [, , ho, wo] = staticDims(dy, 'NchwcConv');
  const full: [number, number, number, number] = [kh - 1 - pads[0], kw - 1 - pads[1], kh - 1 - pads[2], kw - 1 - pads[3]];
  const dyBlocked = reorderInput(dy, block);
  const dx = depthwiseConvBlocked(dyBlocked, reverse(w, [2, 3]), full, c);
  if (c % block !== 0) return [dx, depthwiseWeightGradNchwc(x, dy, pads, block)];
  const dw = foldedWeightGrad(reshape(blocked, [1, n * c, h, wd]), reshape(dyBlocked, [n * c, 1, ho, wo]), n, c, pads);
  return [dx, dw];
}

/** The sums of depthwiseWeightGradNchwc from x as one NCHWc image of N*C channels and dy as its filter. */
function foldedWeightGrad(xr: Value, filter: Value, n: number, c: number, pads: [number, number, number, number]): Value {
  const [, cp, h, w] = staticDims(xr, 'NchwcConv');
  const [, , ho, wo] = staticDims(filter, 'NchwcConv');
  const [kh, kw] = [h + pads[0] + pads[2] - ho + 1, w + pads[1] + pads[3] - wo + 1];
  if (filter.shape[0] !== cp) throw new GraphError('NchwcConv', xr.name, `reordered input has ${cp} channels, the filter ${filter.shape[0]}`);
  const attrs = { dilations: [1, 1], group: cp, kernel_shape: [ho, wo], pads, strides: [1, 1] };
  const y = xr.graph.addNode('com.microsoft.nchwc.Conv', [xr, filter], attrs, [{ dtype: 'float32', shape: [1, cp, kh, kw] }])[0];
  const perImage = reshape(reorderOutput(y, n * c), [n, c, kh, kw]);
  return reshape(reduceSum(perImage, [0], false), [c, 1, kh, kw]);
}

/**
 * The weight gradient of a depthwise convolution (stride 1) as one NCHWc depthwise convolution:
 * each image's channel of x is convolved with the same channel of dy as the kernel (batch and
 * channel folded into N*C channels), giving [N*C, 3x3-sized] and then the sum over the batch.
 * The generic convolution does the same sums through an im2col with 9 outputs per row, which
 * costs 4-12x more here (tools/profile-training.js: the 'weight gradient' rows).
 */
function depthwiseWeightGradNchwc(x: Value, dy: Value, pads: [number, number, number, number], block: number): Value {
  const [n, c, h, w] = staticDims(x, 'NchwcConv');
  const [, , ho, wo] = staticDims(dy, 'NchwcConv');
  const channels = n * c;
  const xr = reorderInput(reshape(x, [1, channels, h, w]), block);
  // dy's NCHWc layout [NC/block][ho][wo][block] is the depthwise filter layout: ReorderInput
  // makes it faster than a Transpose would
  const filter = reshape(reorderInput(reshape(dy, [1, channels, ho, wo]), block), [roundUp(channels, block), 1, ho, wo]);
  return foldedWeightGrad(xr, filter, n, c, pads);
}
