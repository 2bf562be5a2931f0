/**
 * The one op vocabulary: every ONNX op our graphs use, its inputs (a trailing `?` marks an
 * optional one) and the ONNX type of each attribute. Helpers, serialisation and the cost model
 * read it; serialisation refuses an op or attribute that is not declared here.
 */
export type AttrType = 'int' | 'ints' | 'float' | 'string' | 'graph';

export interface OpSchema {
  inputs: readonly string[];
  attrs: Readonly<Record<string, AttrType>>;
}

const elementwise2: OpSchema = { inputs: ['A', 'B'], attrs: {} };
const elementwise1: OpSchema = { inputs: ['X'], attrs: {} };

export const OP_SCHEMAS = {
  Add: elementwise2,
  Sub: elementwise2,
  Mul: elementwise2,
  Div: elementwise2,
  Max: { inputs: ['A', 'B'], attrs: {} },
  Pow: elementwise2,
  Erf: elementwise1,
  Exp: elementwise1,
  Sign: elementwise1,
  Where: { inputs: ['condition', 'X', 'Y'], attrs: {} },
  GreaterOrEqual: elementwise2,
  LessOrEqual: elementwise2,
  Expand: { inputs: ['input', 'shape'], attrs: {} },
  ConstantOfShape: { inputs: ['input'], attrs: {} },
  Sqrt: elementwise1,
  Neg: elementwise1,
  Abs: elementwise1,
  Identity: elementwise1,
  // only where a float16 weights file is read back as float32 (onnx/serialize.ts)
  Cast: { inputs: ['input'], attrs: { to: 'int' } },
  Clip: { inputs: ['input', 'min?', 'max?'], attrs: {} },
  Conv: {
    inputs: ['X', 'W', 'B?'],
    attrs: { dilations: 'ints', group: 'int', kernel_shape: 'ints', pads: 'ints', strides: 'ints' },
  },
  MatMul: elementwise2,
  Gemm: { inputs: ['A', 'B', 'C?'], attrs: { alpha: 'float', beta: 'float', transA: 'int', transB: 'int' } },
  ReduceMean: { inputs: ['data'], attrs: { axes: 'ints', keepdims: 'int' } },
  ReduceL2: { inputs: ['data'], attrs: { axes: 'ints', keepdims: 'int' } },
  ReduceSum: { inputs: ['data', 'axes?'], attrs: { keepdims: 'int' } },
  Softmax: { inputs: ['input'], attrs: { axis: 'int' } },
  LayerNormalization: { inputs: ['X', 'Scale', 'B?'], attrs: { axis: 'int', epsilon: 'float' } },
  Reshape: { inputs: ['data', 'shape'], attrs: {} },
  Transpose: { inputs: ['data'], attrs: { perm: 'ints' } },
  Concat: { inputs: ['inputs...'], attrs: { axis: 'int' } },
  Split: { inputs: ['input', 'split?'], attrs: { axis: 'int' } },
  Slice: { inputs: ['data', 'starts', 'ends', 'axes?', 'steps?'], attrs: {} },
  Pad: { inputs: ['data', 'pads', 'constant_value?'], attrs: { mode: 'string' } },
  Shape: { inputs: ['data'], attrs: { end: 'int', start: 'int' } },
  DepthToSpace: { inputs: ['input'], attrs: { blocksize: 'int', mode: 'string' } },
  Gather: { inputs: ['data', 'indices'], attrs: { axis: 'int' } },
  // the repeated blocks of dynet-any.onnx (ops/control.ts)
  Loop: { inputs: ['M?', 'cond?', 'v_initial...'], attrs: { body: 'graph' } },
  Resize: {
    inputs: ['X', 'roi?', 'scales?', 'sizes?'],
    attrs: { coordinate_transformation_mode: 'string', mode: 'string' },
  },
  // ONNX Runtime's CPU kernels in its blocked-channel layout (ops/nchwc.ts): only in training
  // graphs built for that runtime's CPU provider, never in exported models
  'com.microsoft.nchwc.ReorderInput': { inputs: ['X'], attrs: { channels_last: 'int' } },
  'com.microsoft.nchwc.ReorderOutput': { inputs: ['X'], attrs: { channels: 'int', channels_last: 'int' } },
  'com.microsoft.nchwc.Conv': {
    inputs: ['X', 'W', 'B?', 'Sum?'],
    attrs: { dilations: 'ints', group: 'int', kernel_shape: 'ints', pads: 'ints', strides: 'ints' },
  },
} as const satisfies Record<string, OpSchema>;

export type OpType = keyof typeof OP_SCHEMAS;

/**
 * An op's ONNX domain and name: ops outside the default domain are named `domain.Name` in the
 * vocabulary (`com.microsoft.nchwc.Conv` is op `Conv` of domain `com.microsoft.nchwc`).
 */
export function opDomain(opType: string): { domain: string; name: string } {
  const dot = opType.lastIndexOf('.');
  return dot < 0 ? { domain: '', name: opType } : { domain: opType.slice(0, dot), name: opType.slice(dot + 1) };
}

/** The opset version of each non-default domain our graphs may use. */
export const DOMAIN_VERSIONS: Readonly<Record<string, number>> = { 'com.microsoft.nchwc': 1 };

export function opSchema(opType: string): OpSchema {
  const schema = (OP_SCHEMAS as Record<string, OpSchema>)[opType];
  if (!schema) throw new TypeError(`op '${opType}' is not in dynet's op vocabulary (ops/names.ts)`);
  return schema;
}
