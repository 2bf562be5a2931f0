/**
 * safetensors reader and writer (https://github.com/huggingface/safetensors): an 8-byte
 * little-endian header length, a JSON header naming each tensor's dtype, shape and byte range, then
 * the raw little-endian data. Unlike a pickle it cannot carry code, which is why it is the format
 * this toolkit writes.
 *
 * Also home of `decodeFloats`, the float16/bfloat16/float64 → float32 conversion that the PyTorch
 * and .npy readers share.
 */
import * as fs from 'node:fs';
import { atomicWriteFileSync } from '../io/atomic-write';
import { HostTensor, WeightFileError } from './types';

/** Float dtypes every reader here can turn into float32, in safetensors' spelling. */
export type FloatDtype = 'F32' | 'F16' | 'BF16' | 'F64';

export const FLOAT_DTYPE_SIZE: Readonly<Record<FloatDtype, number>> = { F32: 4, F16: 2, BF16: 2, F64: 8 };

/** The safetensors library refuses headers above 100 MB; so do we, before allocating a string. */
const MAX_HEADER_BYTES = 100_000_000;

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export interface SafetensorsContent {
  tensors: Map<string, HostTensor>;
  metadata: Record<string, string>;
}

/**
 * Converts `count` little-endian values of `dtype` to float32. With `allowView`, float32 data that
 * is 4-byte aligned comes back as a view sharing `bytes`' memory (no copy); otherwise it is copied.
 */
export function decodeFloats(bytes: Uint8Array, dtype: FloatDtype, count: number, allowView = false): Float32Array {
  const size = FLOAT_DTYPE_SIZE[dtype];
  if (bytes.byteLength < count * size) {
    throw new RangeError(`need ${count * size} bytes of ${dtype}, have ${bytes.byteLength}`);
  }
  const src = bytes.subarray(0, count * size);
  const view = new DataView(src.buffer, src.byteOffset, src.byteLength);
  const out = new Float32Array(count);
  switch (dtype) {
    case 'F32':
      if (LITTLE_ENDIAN_HOST) {
        if (allowView && src.byteOffset % 4 === 0) return new Float32Array(src.buffer, src.byteOffset, count);
        new Uint8Array(out.buffer).set(src);
      } else {
        for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true);
      }
      return out;
    case 'F64':
      if (LITTLE_ENDIAN_HOST && src.byteOffset % 8 === 0) {
        out.set(new Float64Array(src.buffer, src.byteOffset, count));
      } else {
        for (let i = 0; i < count; i++) out[i] = view.getFloat64(i * 8, true);
      }
      return out;
    case 'F16':
      for (let i = 0; i < count; i++) out[i] = halfToFloat(view.getUint16(i * 2, true));
      return out;
    case 'BF16': {
      // bfloat16 is the top half of a float32, so shifting the bits is exact (NaN payloads too).
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < count; i++) bits[i] = view.getUint16(i * 2, true) << 16;
      return out;
    }
  }
}

/** IEEE binary16 → number (exact: every half is representable in float32). */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** Reads a .safetensors file; F32/F16/BF16/F64 tensors come back as float32, in file order. */
export function readSafetensors(file: string): SafetensorsContent {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (err) {
    throw new WeightFileError(file, `cannot read file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  try {
    return parseSafetensors(bytes);
  } catch (err) {
    if (err instanceof SafetensorsFormatError) throw new WeightFileError(file, err.message);
    throw err;
  }
}

class SafetensorsFormatError extends Error {}

interface Entry {
  name: string;
  dtype: FloatDtype;
  shape: number[];
  begin: number;
  end: number;
}

/** Parses safetensors bytes already in memory; format problems throw SafetensorsFormatError. */
function parseSafetensors(bytes: Uint8Array): SafetensorsContent {
  const fail = (problem: string): never => {
    throw new SafetensorsFormatError(problem);
  };
  if (bytes.byteLength < 8) fail(`truncated safetensors file (${bytes.byteLength} bytes, no header length)`);
  const headerLen = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (headerLen > BigInt(bytes.byteLength - 8)) {
    fail(`header length ${headerLen} runs past the end of the file (${bytes.byteLength} bytes); truncated or not safetensors`);
  }
  if (headerLen > BigInt(MAX_HEADER_BYTES)) fail(`header length ${headerLen} exceeds ${MAX_HEADER_BYTES} bytes`);
  const dataStart = 8 + Number(headerLen);
  const dataLen = bytes.byteLength - dataStart;

  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, dataStart)));
  } catch (err) {
    fail(`header is not valid UTF-8 JSON (${(err as Error).message})`);
  }
  if (!isPlainObject(header)) fail('header is not a JSON object');

  const metadata: Record<string, string> = {};
  const entries: Entry[] = [];
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (!isPlainObject(raw)) fail('__metadata__ is not an object');
      for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
        if (typeof v !== 'string') fail(`__metadata__ value '${k}' is not a string`);
        metadata[k] = v as string;
      }
      continue;
    }
    entries.push(parseEntry(name, raw, dataLen, fail));
  }

  // Overlapping ranges would make two tensors alias the same bytes; the format forbids it.
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  for (let i = 1; i < entries.length; i++) {
    const prev = entries[i - 1];
    const cur = entries[i];
    if (cur.begin < prev.end) fail(`tensors '${prev.name}' and '${cur.name}' have overlapping data_offsets`);
  }

  const tensors = new Map<string, HostTensor>();
  for (const e of entries) {
    const numel = e.shape.reduce((a, b) => a * b, 1);
    const data = decodeFloats(bytes.subarray(dataStart + e.begin, dataStart + e.end), e.dtype, numel, true);
    tensors.set(e.name, { shape: e.shape, data });
  }
  return { tensors, metadata };
}

function parseEntry(name: string, raw: unknown, dataLen: number, fail: (p: string) => never): Entry {
  if (!isPlainObject(raw)) fail(`tensor '${name}': header entry is not an object`);
  const { dtype, shape, data_offsets: offsets } = raw as Record<string, unknown>;
  if (typeof dtype !== 'string') fail(`tensor '${name}': dtype is missing`);
  if (!Object.prototype.hasOwnProperty.call(FLOAT_DTYPE_SIZE, dtype as string)) {
    fail(`tensor '${name}' has dtype ${String(dtype)}; only F32, F16, BF16 and F64 can be read as float32`);
  }
  if (!Array.isArray(shape) || !shape.every(isCount)) {
    fail(`tensor '${name}': shape ${JSON.stringify(shape)} is not a list of non-negative integers`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) {
    fail(`tensor '${name}': data_offsets ${JSON.stringify(offsets)} is not [begin, end]`);
  }
  const [begin, end] = offsets as number[];
  if (begin > end || end > dataLen) {
    fail(`tensor '${name}': data_offsets [${begin}, ${end}] lie outside the ${dataLen}-byte data section`);
  }
  const numel = (shape as number[]).reduce((a, b) => a * b, 1);
  const need = numel * FLOAT_DTYPE_SIZE[dtype as FloatDtype];
  if (!Number.isSafeInteger(need) || need !== end - begin) {
    const dims = (shape as number[]).join(', ');
    fail(`tensor '${name}': shape [${dims}] of ${String(dtype)} needs ${need} bytes but data_offsets span ${end - begin}`);
  }
  return { name, dtype: dtype as FloatDtype, shape: (shape as number[]).slice(), begin, end };
}

/**
 * Encodes tensors as float32 safetensors: names in sorted (UTF-16 code unit) order, metadata keys
 * sorted, header padded with spaces to a multiple of 8 so the data starts 8-byte aligned. The same
 * input always gives the same bytes. Returns the header chunk followed by views of each tensor's
 * data (no copies on little-endian hosts).
 */
export function encodeSafetensors(tensors: ReadonlyMap<string, HostTensor>, metadata?: Record<string, string>): Uint8Array[] {
  const names = [...tensors.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const header: Record<string, unknown> = {};
  if (metadata !== undefined) {
    const sortedMeta: Record<string, string> = {};
    for (const key of Object.keys(metadata).sort()) {
      if (typeof metadata[key] !== 'string') throw new Error(`metadata value '${key}' is not a string`);
      sortedMeta[key] = metadata[key];
    }
    header.__metadata__ = sortedMeta;
  }
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const name of names) {
    if (name === '__metadata__') throw new Error(`'__metadata__' cannot be used as a tensor name`);
    const t = tensors.get(name) as HostTensor;
    if (!t.shape.every((d) => isCount(d))) throw new Error(`tensor '${name}': shape [${t.shape.join(', ')}] is invalid`);
    const numel = t.shape.reduce((a, b) => a * b, 1);
    if (t.data.length !== numel) {
      throw new Error(`tensor '${name}': shape [${t.shape.join(', ')}] needs ${numel} values but data has ${t.data.length}`);
    }
    header[name] = { dtype: 'F32', shape: t.shape.slice(), data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
    chunks.push(float32LeBytes(t.data));
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.byteLength / 8) * 8;
  const head = new Uint8Array(8 + padded).fill(0x20, 8);
  new DataView(head.buffer).setBigUint64(0, BigInt(padded), true);
  head.set(json, 8);
  return [head, ...chunks];
}

/** Writes tensors as a float32 .safetensors file, atomically (see encodeSafetensors for layout). */
export function writeSafetensors(file: string, tensors: ReadonlyMap<string, HostTensor>, metadata?: Record<string, string>): void {
  let chunks: Uint8Array[];
  try {
    chunks = encodeSafetensors(tensors, metadata);
  } catch (err) {
    throw new WeightFileError(file, (err as Error).message);
  }
  atomicWriteFileSync(file, chunks);
}

function float32LeBytes(data: Float32Array): Uint8Array {
  if (LITTLE_ENDIAN_HOST) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const out = new Uint8Array(data.byteLength);
  const view = new DataView(out.buffer);
  for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i], true);
  return out;
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
