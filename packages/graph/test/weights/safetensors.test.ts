import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { encodeSafetensors, readSafetensors, writeSafetensors } from '../../src/weights/safetensors';
import { HostTensor, WeightFileError } from '../../src/weights/types';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'safetensors-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const t = (shape: number[], values: number[]): HostTensor => ({ shape, data: Float32Array.from(values) });

/** A safetensors file from a header object and raw data bytes, for formats the writer never makes. */
function rawFile(name: string, header: unknown, data: number[] | Uint8Array, headerLen?: number): string {
  const json = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(headerLen ?? json.length));
  const file = path.join(dir, name);
  fs.writeFileSync(file, Buffer.concat([len, json, Buffer.from(data)]));
  return file;
}

function problemOf(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(WeightFileError);
    const problem = (err as WeightFileError).problem;
    expect(problem).not.toMatch(/\n/);
    return problem;
  }
  throw new Error('no error');
}

describe('writeSafetensors / readSafetensors', () => {
  const tensors = () =>
    new Map<string, HostTensor>([
      ['z.scalar', t([], [-3.5])],
      ['a.weight', t([2, 3], [1, -2, 3.25, 1e-20, -0, 65504])],
      ['m.bias', t([3], [0.1, 0.2, 0.3])],
      ['empty', t([0, 4], [])],
    ]);

  test('round trip keeps names, shapes, values and metadata; names come back sorted', () => {
    const file = path.join(dir, 'w.safetensors');
    writeSafetensors(file, tensors(), { format: 'pt', source: 'test ✓' });
    const { tensors: back, metadata } = readSafetensors(file);
    expect(metadata).toEqual({ format: 'pt', source: 'test ✓' });
    expect([...back.keys()]).toEqual(['a.weight', 'empty', 'm.bias', 'z.scalar']);
    for (const [name, orig] of tensors()) {
      expect(back.get(name)!.shape).toEqual(orig.shape);
      expect(back.get(name)!.data).toEqual(orig.data);
    }
    expect(Object.is(back.get('a.weight')!.data[4], -0)).toBe(true);
    // Only the file itself: the atomic write left no temporary file behind.
    expect(fs.readdirSync(dir)).toEqual(['w.safetensors']);
  });

  test('bytes are deterministic: insertion order and metadata key order do not matter', () => {
    const a = path.join(dir, 'a.safetensors');
    const b = path.join(dir, 'b.safetensors');
    writeSafetensors(a, tensors(), { x: '1', a: '2' });
    writeSafetensors(b, new Map([...tensors()].reverse()), { a: '2', x: '1' });
    expect(fs.readFileSync(a).equals(fs.readFileSync(b))).toBe(true);
    // Rewriting what was read gives the same bytes again.
    const { tensors: back, metadata } = readSafetensors(a);
    writeSafetensors(b, back, metadata);
    expect(fs.readFileSync(a).equals(fs.readFileSync(b))).toBe(true);
  });

  test('exact layout: u64 header length, JSON padded with spaces to 8, F32 little-endian data', () => {
    const chunks = encodeSafetensors(new Map([['w', t([2], [1.5, -2])]]), { k: 'v' });
    const bytes = Buffer.concat(chunks);
    const json = '{"__metadata__":{"k":"v"},"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}';
    const padded = json + ' '.repeat((8 - (json.length % 8)) % 8);
    expect(Number(bytes.readBigUInt64LE(0))).toBe(padded.length);
    expect(padded.length % 8).toBe(0);
    expect(bytes.subarray(8, 8 + padded.length).toString()).toBe(padded);
    expect([...bytes.subarray(8 + padded.length)]).toEqual([0, 0, 0xc0, 0x3f, 0, 0, 0, 0xc0]);
  });

  test('F16, BF16 and F64 tensors are read as float32', () => {
    const data = [
      ...[0x00, 0x3e, 0x00, 0xc0, 0x01, 0x00], // F16: 1.5, -2, 2^-24
      ...[0xc0, 0x3f, 0x49, 0xc0], // BF16: 1.5, -3.140625
      ...Buffer.from(new Float64Array([0.1, -1e300]).buffer), // F64 (-1e300 overflows to -inf)
    ];
    const file = rawFile('mixed.safetensors', {
      h: { dtype: 'F16', shape: [3], data_offsets: [0, 6] },
      b: { dtype: 'BF16', shape: [2], data_offsets: [6, 10] },
      d: { dtype: 'F64', shape: [2, 1], data_offsets: [10, 26] },
    }, data);
    const { tensors, metadata } = readSafetensors(file);
    expect(metadata).toEqual({});
    expect(Array.from(tensors.get('h')!.data)).toEqual([1.5, -2, 2 ** -24]);
    expect(Array.from(tensors.get('b')!.data)).toEqual([1.5, -3.140625]);
    expect(tensors.get('d')!.shape).toEqual([2, 1]);
    expect(Array.from(tensors.get('d')!.data)).toEqual([Math.fround(0.1), -Infinity]);
  });
});

describe('readSafetensors: errors', () => {
  test('truncated file: too short for the header length', () => {
    const file = path.join(dir, 'short.safetensors');
    fs.writeFileSync(file, Buffer.from([1, 2, 3, 4, 5]));
    expect(problemOf(() => readSafetensors(file))).toBe('truncated safetensors file (5 bytes, no header length)');
  });

  test('header length beyond the file', () => {
    const file = rawFile('long.safetensors', {}, [], 1000);
    expect(problemOf(() => readSafetensors(file))).toMatch(/^header length 1000 runs past the end of the file \(10 bytes\)/);
  });

  test('truncated data section', () => {
    const file = path.join(dir, 'cut.safetensors');
    writeSafetensors(file, new Map([['w', t([4], [1, 2, 3, 4])]]));
    const bytes = fs.readFileSync(file);
    fs.writeFileSync(file, bytes.subarray(0, bytes.length - 4));
    expect(problemOf(() => readSafetensors(file))).toBe("tensor 'w': data_offsets [0, 16] lie outside the 12-byte data section");
  });

  test('offsets out of range, size mismatches, overlaps, bad JSON, unsupported dtype', () => {
    const eight = [0, 0, 0x80, 0x3f, 0, 0, 0, 0x40];
    const cases: [unknown, string | RegExp][] = [
      [{ w: { dtype: 'F32', shape: [100], data_offsets: [0, 400] } }, "tensor 'w': data_offsets [0, 400] lie outside the 8-byte data section"],
      [{ w: { dtype: 'F32', shape: [1], data_offsets: [4, 2] } }, "tensor 'w': data_offsets [4, 2] lie outside the 8-byte data section"],
      [{ w: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, "tensor 'w': shape [3] of F32 needs 12 bytes but data_offsets span 8"],
      [{ w: { dtype: 'I64', shape: [1], data_offsets: [0, 8] } }, "tensor 'w' has dtype I64; only F32, F16, BF16 and F64 can be read as float32"],
      [{ w: { dtype: 'F32', shape: [-1], data_offsets: [0, 8] } }, "tensor 'w': shape [-1] is not a list of non-negative integers"],
      [{ w: { dtype: 'F32', shape: [2], data_offsets: [0] } }, "tensor 'w': data_offsets [0] is not [begin, end]"],
      [{ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } },
        "tensors 'a' and 'b' have overlapping data_offsets"],
      [{ __metadata__: { n: 1 } }, "__metadata__ value 'n' is not a string"],
      [[1, 2], 'header is not a JSON object'],
    ];
    for (const [header, problem] of cases) {
      const file = rawFile('bad.safetensors', header, eight);
      expect(problemOf(() => readSafetensors(file))).toEqual(problem);
    }
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(3));
    const notJson = path.join(dir, 'notjson.safetensors');
    fs.writeFileSync(notJson, Buffer.concat([len, Buffer.from('{x:')]));
    expect(problemOf(() => readSafetensors(notJson))).toMatch(/^header is not valid UTF-8 JSON/);
    expect(problemOf(() => readSafetensors(path.join(dir, 'missing.safetensors')))).toBe('cannot read file (ENOENT)');
  });

  test('the writer refuses inconsistent tensors', () => {
    const file = path.join(dir, 'x.safetensors');
    expect(problemOf(() => writeSafetensors(file, new Map([['w', t([2, 2], [1, 2, 3])]])))).toBe(
      "tensor 'w': shape [2, 2] needs 4 values but data has 3",
    );
    expect(problemOf(() => writeSafetensors(file, new Map([['__metadata__', t([1], [1])]])))).toMatch(/cannot be used as a tensor name/);
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});
