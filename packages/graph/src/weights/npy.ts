/**
 * Reader for NumPy .npy files (format versions 1, 2 and 3), used for the reference inputs and
 * outputs the Python implementation produced. Only little-endian float32 (`<f4`, returned as is)
 * and float64 (`<f8`, converted) in C order are accepted: that is all the fixtures hold, and
 * anything else is more likely a mistake than something to convert silently.
 */
import * as fs from 'node:fs';
import { decodeFloats, FloatDtype } from './safetensors';
import { HostTensor, WeightFileError } from './types';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"

const DESCR: Readonly<Record<string, FloatDtype>> = { '<f4': 'F32', '<f8': 'F64' };

/** Reads a .npy file holding a little-endian float32/float64 C-order array, as float32. */
export function readNpy(file: string): HostTensor {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (err) {
    throw new WeightFileError(file, `cannot read file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const fail = (problem: string): never => {
    throw new WeightFileError(file, problem);
  };

  if (bytes.length < 10 || !MAGIC.every((b, i) => bytes[i] === b)) fail('not a .npy file (no \\x93NUMPY magic)');
  const major = bytes[6];
  const minor = bytes[7];
  if (major < 1 || major > 3) fail(`unsupported .npy format version ${major}.${minor}`);
  // Version 1 stores the header length in 2 bytes; versions 2 and 3 use 4 (3 also allows UTF-8).
  const lenBytes = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lenBytes) fail('truncated .npy header');
  const headerLen = lenBytes === 2 ? bytes.readUInt16LE(8) : bytes.readUInt32LE(8);
  const headerStart = 8 + lenBytes;
  const dataStart = headerStart + headerLen;
  if (dataStart > bytes.length) fail(`truncated .npy header (declares ${headerLen} bytes, file has ${bytes.length - headerStart})`);
  const header = bytes.subarray(headerStart, dataStart).toString(major === 3 ? 'utf8' : 'latin1');

  const descr = /['"]descr['"]\s*:\s*['"]([^'"]*)['"]/.exec(header)?.[1];
  const fortran = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    fail(`malformed .npy header ${JSON.stringify(header.trim())}`);
  }
  const dtype = DESCR[descr as string];
  if (dtype === undefined) {
    fail(`dtype '${descr}' is not supported; only little-endian float32 ('<f4') or float64 ('<f8')`);
  }
  const dims = (shapeText as string).split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (!dims.every((d) => /^\d+L?$/.test(d))) fail(`malformed shape (${shapeText})`);
  const shape = dims.map((d) => parseInt(d, 10));
  // Fortran order only changes the layout when more than one axis is longer than 1.
  if (fortran === 'True' && shape.filter((d) => d > 1).length > 1) {
    fail('Fortran-order (column-major) arrays are not supported; save with np.ascontiguousarray');
  }

  const numel = shape.reduce((a, b) => a * b, 1);
  const itemSize = dtype === 'F32' ? 4 : 8;
  const dataLen = bytes.length - dataStart;
  if (dataLen !== numel * itemSize) {
    fail(`data is ${dataLen} bytes but shape (${shape.join(', ')}) of '${descr}' needs ${numel * itemSize}`);
  }
  // float32 data at a 4-aligned offset (the usual case: headers pad to 64) is viewed, not copied.
  return { shape, data: decodeFloats(bytes.subarray(dataStart), dtype, numel, true) };
}
