import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readNpy } from '../../src/weights/npy';
import { WeightFileError } from '../../src/weights/types';
import { REFERENCE } from '../../../../test/helpers';

const REAL = REFERENCE;

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'npy-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Writes a .npy file the way numpy does: header padded with spaces and a newline to 64 bytes. */
function npy(name: string, header: string, data: Uint8Array, version = 1): string {
  const lenBytes = version === 1 ? 2 : 4;
  const pre = 8 + lenBytes;
  const total = Math.ceil((pre + header.length + 1) / 64) * 64;
  const text = header + ' '.repeat(total - pre - header.length - 1) + '\n';
  const head = Buffer.alloc(pre);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]).copy(head);
  if (version === 1) head.writeUInt16LE(text.length, 8);
  else head.writeUInt32LE(text.length, 8);
  const file = path.join(dir, name);
  fs.writeFileSync(file, Buffer.concat([head, Buffer.from(text, 'latin1'), data]));
  return file;
}

const f32 = (...v: number[]) => new Uint8Array(new Float32Array(v).buffer);
const f64 = (...v: number[]) => new Uint8Array(new Float64Array(v).buffer);

function problemOf(file: string): string {
  try {
    readNpy(file);
  } catch (err) {
    expect(err).toBeInstanceOf(WeightFileError);
    return (err as WeightFileError).problem;
  }
  throw new Error('no error');
}

describe('readNpy', () => {
  test('the reference input_a.npy: float32 [1, 3, 64, 64]', () => {
    const t = readNpy(path.join(REAL, 'input_a.npy'));
    expect(t.shape).toEqual([1, 3, 64, 64]);
    expect(t.data).toBeInstanceOf(Float32Array);
    expect(t.data.length).toBe(12288);
    // Values and float64 sum printed by numpy.
    expect(t.data[0]).toBe(0.7576315999031067);
    expect(t.data[1]).toBe(0.2793108820915222);
    expect(t.data[2]).toBe(0.40306925773620605);
    expect(t.data[12287]).toBe(0.3381556272506714);
    expect(t.data.reduce((a, b) => a + b, 0)).toBeCloseTo(6113.667940497398, 6);
  });

  test('the reference input_b.npy: float32 [2, 3, 48, 80]', () => {
    const t = readNpy(path.join(REAL, 'input_b.npy'));
    expect(t.shape).toEqual([2, 3, 48, 80]);
    expect(t.data[t.data.length - 1]).toBe(0.7111725807189941);
  });

  test('float64 is converted; versions 2 and 3; scalars; 1-D Fortran order is the same as C', () => {
    const a = readNpy(npy('d.npy', "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }", f64(0.1, -2, 3.5, 1e-50)));
    expect(a.shape).toEqual([2, 2]);
    expect(Array.from(a.data)).toEqual([Math.fround(0.1), -2, 3.5, 0]);
    const b = readNpy(npy('v2.npy', "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", f32(1, 2, 3), 2));
    expect(b).toEqual({ shape: [3], data: Float32Array.of(1, 2, 3) });
    const c = readNpy(npy('v3.npy', "{'descr': '<f4', 'fortran_order': True, 'shape': (1, 2), }", f32(4, 5), 3));
    expect(c).toEqual({ shape: [1, 2], data: Float32Array.of(4, 5) });
    const s = readNpy(npy('s.npy', "{'descr': '<f4', 'fortran_order': False, 'shape': (), }", f32(7)));
    expect(s).toEqual({ shape: [], data: Float32Array.of(7) });
  });

  test('errors name the problem', () => {
    const h = (descr: string, fortran = 'False', shape = '(2,)') => `{'descr': '${descr}', 'fortran_order': ${fortran}, 'shape': ${shape}, }`;
    expect(problemOf(npy('i.npy', h('<i8'), f64(1, 2)))).toBe("dtype '<i8' is not supported; only little-endian float32 ('<f4') or float64 ('<f8')");
    expect(problemOf(npy('be.npy', h('>f4'), f32(1, 2)))).toMatch(/^dtype '>f4' is not supported/);
    expect(problemOf(npy('f.npy', h('<f4', 'True', '(2, 2)'), f32(1, 2, 3, 4)))).toMatch(/^Fortran-order/);
    expect(problemOf(npy('short.npy', h('<f4'), f32(1)))).toBe("data is 4 bytes but shape (2) of '<f4' needs 8");
    expect(problemOf(npy('v9.npy', h('<f4'), f32(1, 2), 9))).toBe('unsupported .npy format version 9.0');
    const bad = path.join(dir, 'bad.npy');
    fs.writeFileSync(bad, 'PK\x03\x04 not numpy');
    expect(problemOf(bad)).toBe('not a .npy file (no \\x93NUMPY magic)');
    expect(problemOf(path.join(dir, 'nope.npy'))).toBe('cannot read file (ENOENT)');
  });
});
