/** Element types our graphs use, with their ONNX TensorProto.DataType codes. */
export type DType = 'float32' | 'int64' | 'bool';

export const ONNX_DTYPE: Record<DType, number> = { float32: 1, int64: 7, bool: 9 };
