import { HostTensor } from '../weights/types';

/** Where each parameter's bytes sit in the shared external weights file. */
export interface WeightsLayout {
  location: string;
  byteLength: number;
  entries: Map<string, { offset: number; shape: number[] }>;
}

/** Tensors start on 64-byte boundaries so runtimes can map them with aligned loads. */
const ALIGNMENT = 64;

/** Lays out parameters in the given order; the same names and shapes always give the same layout. */
export function layoutWeights(location: string, params: readonly { name: string; shape: number[] }[]): WeightsLayout {
  const entries = new Map<string, { offset: number; shape: number[] }>();
  let offset = 0;
  for (const p of params) {
    entries.set(p.name, { offset, shape: p.shape });
    const bytes = p.shape.reduce((a, b) => a * b, 1) * 4;
    offset = Math.ceil((offset + bytes) / ALIGNMENT) * ALIGNMENT;
  }
  return { location, byteLength: offset, entries };
}

/** The weights file's bytes for a layout: little-endian float32, zero padding between tensors. */
export function encodeWeights(layout: WeightsLayout, tensors: ReadonlyMap<string, HostTensor>): Uint8Array {
  const out = new Uint8Array(layout.byteLength);
  for (const [name, { offset, shape }] of layout.entries) {
    const t = tensors.get(name);
    if (!t) throw new RangeError(`weights for '${name}' are missing`);
    if (t.shape.join(',') !== shape.join(',')) throw new RangeError(`'${name}' has shape [${t.shape}], the layout expects [${shape}]`);
    const count = shape.reduce((a, b) => a * b, 1);
    if (t.data.length !== count) throw new RangeError(`'${name}' holds ${t.data.length} values, its shape [${shape}] needs ${count}`);
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), offset);
  }
  return out;
}
