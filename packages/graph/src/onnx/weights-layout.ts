import { Float16Array } from '@petamoriken/float16';
import { HostTensor } from '../weights/types';

/**
 * How the weights file stores values: float32, or float16 (half the bytes; the graphs cast each
 * parameter back to float32, a cast ONNX Runtime folds into a float32 initializer at load).
 */
export type WeightsDType = 'float32' | 'float16';

export const WEIGHTS_DTYPES: readonly WeightsDType[] = ['float32', 'float16'];

/** Per stored dtype: its ONNX TensorProto.DataType code and its width in bytes. */
export const WEIGHTS_DTYPE_INFO: Record<WeightsDType, { onnx: number; bytes: number }> = { float32: { onnx: 1, bytes: 4 }, float16: { onnx: 10, bytes: 2 } };

/** Where each parameter's bytes sit in the shared external weights file. */
export interface WeightsLayout {
  location: string;
  dtype: WeightsDType;
  byteLength: number;
  entries: Map<string, { offset: number; shape: number[] }>;
}

/** Tensors start on 64-byte boundaries so runtimes can map them with aligned loads. */
const ALIGNMENT = 64;

/** Lays out parameters in the given order; the same names, shapes and dtype always give the same layout. */
export function layoutWeights(location: string, params: readonly { name: string; shape: number[] }[], dtype: WeightsDType = 'float32'): WeightsLayout {
  const entries = new Map<string, { offset: number; shape: number[] }>();
  let offset = 0;
  for (const p of params) {
    entries.set(p.name, { offset, shape: p.shape });
    const bytes = p.shape.reduce((a, b) => a * b, 1) * WEIGHTS_DTYPE_INFO[dtype].bytes;
    offset = Math.ceil((offset + bytes) / ALIGNMENT) * ALIGNMENT;
  }
  return { location, dtype, byteLength: offset, entries };
}

/** The weights file's bytes for a layout: little-endian values of its dtype (float16 rounds to nearest even), zero padding between tensors. */
export function encodeWeights(layout: WeightsLayout, tensors: ReadonlyMap<string, HostTensor>): Uint8Array {
  const out = new Uint8Array(layout.byteLength);
  for (const [name, { offset, shape }] of layout.entries) {
    const t = tensors.get(name);
    if (!t) throw new RangeError(`weights for '${name}' are missing`);
    if (t.shape.join(',') !== shape.join(',')) throw new RangeError(`'${name}' has shape [${t.shape}], the layout expects [${shape}]`);
    const count = shape.reduce((a, b) => a * b, 1);
    if (t.data.length !== count) throw new RangeError(`'${name}' holds ${t.data.length} values, its shape [${shape}] needs ${count}`);
    const stored = layout.dtype === 'float16' ? new Float16Array(t.data) : t.data;
    out.set(new Uint8Array(stored.buffer, stored.byteOffset, stored.byteLength), offset);
  }
  return out;
}
