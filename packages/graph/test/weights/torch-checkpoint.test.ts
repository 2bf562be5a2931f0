import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { unzipSync } from 'fflate';
import { readTorchCheckpoint } from '../../src/weights/torch-checkpoint';
import { HostTensor, WeightFileError } from '../../src/weights/types';
import { REFERENCE } from '../../../../test/helpers';

// Written by tools/make-torch-test-fixtures.py; the numbers below are the ones it put in.
const FIXTURES = path.join(__dirname, '../fixtures/torch');
const fixture = (name: string) => path.join(FIXTURES, name);
const REAL = REFERENCE;

function plain(t: HostTensor | undefined): { shape: number[]; data: number[] } {
  if (t === undefined) throw new Error('tensor missing');
  return { shape: t.shape, data: Array.from(t.data) };
}

function readWithSkips(file: string): { tensors: Map<string, HostTensor>; skipped: [string, string][] } {
  const skipped: [string, string][] = [];
  const tensors = readTorchCheckpoint(file, { onSkip: (key, reason) => skipped.push([key, reason]) });
  return { tensors, skipped };
}

function problemOf(file: string): WeightFileError {
  try {
    readTorchCheckpoint(file);
  } catch (err) {
    expect(err).toBeInstanceOf(WeightFileError);
    const e = err as WeightFileError;
    expect(e.file).toBe(file);
    expect(e.message).toBe(`${file}: ${e.problem}`);
    expect(e.problem).not.toMatch(/\n/);
    return e;
  }
  throw new Error(`${file} was read without error`);
}

describe('readTorchCheckpoint: layouts', () => {
  test('bare state dict (OrderedDict with _metadata) at the top level', () => {
    const { tensors, skipped } = readWithSkips(fixture('state-dict.pth'));
    expect([...tensors.keys()]).toEqual(['conv.weight', 'conv.bias', 'scale', 'empty']);
    expect(plain(tensors.get('conv.weight'))).toEqual({ shape: [2, 3, 1, 1], data: [0.5, -1.25, 2, 3.5, -0.125, 100] });
    expect(plain(tensors.get('conv.bias'))).toEqual({ shape: [2], data: [0.25, -0.75] });
    expect(plain(tensors.get('scale'))).toEqual({ shape: [], data: [1.5] });
    expect(plain(tensors.get('empty'))).toEqual({ shape: [0], data: [] });
    expect(skipped).toEqual([['bn.num_batches_tracked', 'LongStorage tensor is not floating point']]);
  });

  test('Lightning .ckpt: state_dict only, strided views, half/bfloat16/double storages', () => {
    const { tensors, skipped } = readWithSkips(fixture('lightning.ckpt'));
    expect([...tensors.keys()]).toEqual([
      'net.proj.weight', 'net.proj_t.weight', 'net.tied.a', 'net.tied.b', 'net.strided', 'net.half', 'net.bf16', 'net.double',
    ]);
    expect(plain(tensors.get('net.proj.weight'))).toEqual({ shape: [2, 3], data: [0.5, 1, 1.5, 2, 2.5, 3] });
    // Transpose of the 3x4 matrix 0.25 * [[0..3], [4..7], [8..11]] (stride [1, 4]).
    expect(plain(tensors.get('net.proj_t.weight'))).toEqual({
      shape: [4, 3],
      data: [0, 1, 2, 0.25, 1.25, 2.25, 0.5, 1.5, 2.5, 0.75, 1.75, 2.75],
    });
    expect(plain(tensors.get('net.tied.a'))).toEqual({ shape: [4], data: [10, 11, 12, 13] });
    expect(plain(tensors.get('net.tied.b'))).toEqual({ shape: [2, 2], data: [14, 15, 16, 17] });
    expect(tensors.get('net.tied.a')!.data.buffer).not.toBe(tensors.get('net.tied.b')!.data.buffer);
    expect(plain(tensors.get('net.strided'))).toEqual({ shape: [3], data: [1, 4, 7] });
    const half = tensors.get('net.half')!;
    expect(half.shape).toEqual([2, 3]);
    expect(Array.from(half.data)).toEqual([1.5, -2, 0.333251953125, 2 ** -24, Infinity, -0]);
    expect(Object.is(half.data[5], -0)).toBe(true);
    expect(plain(tensors.get('net.bf16'))).toEqual({ shape: [3], data: [1.5, -3.140625, 0] });
    expect(plain(tensors.get('net.double'))).toEqual({ shape: [2], data: [Math.fround(0.1), Math.fround(-1e-3)] });
    expect(skipped).toEqual([
      ['net.bn.num_batches_tracked', 'LongStorage tensor is not floating point'],
      ['net.mask', 'BoolStorage tensor is not floating point'],
    ]);
  });

  test('storages outside the state dict (optimizer state) are never unzipped', () => {
    const withBlobs = readTorchCheckpoint(fixture('lightning.ckpt'));
    const without = readTorchCheckpoint(fixture('lightning-no-optimizer-blobs.ckpt'));
    expect([...without.keys()]).toEqual([...withBlobs.keys()]);
    for (const [key, t] of withBlobs) expect(plain(without.get(key))).toEqual(plain(t));
  });

  test('protocol 4, model_state_dict key, nn.Parameter and _rebuild_from_type_v2', () => {
    const tensors = readTorchCheckpoint(fixture('params-p4.pt'));
    expect([...tensors.keys()]).toEqual(['fc.weight', 'fc.bias', 'fc.scale']);
    expect(plain(tensors.get('fc.weight'))).toEqual({ shape: [2, 2], data: [1, -2, 3, -4] });
    expect(plain(tensors.get('fc.bias'))).toEqual({ shape: [2], data: [0.5, -0.5] });
    expect(plain(tensors.get('fc.scale'))).toEqual({ shape: [1], data: [9] });
  });
});

describe('readTorchCheckpoint: Lightning extras outside the state dict are read as inert records', () => {
  test('hyper_parameters with a Namespace, a path, a date and a numpy scalar (in an AttributeDict): the weights load, the records are named', () => {
    const seen = new Map<string, number>();
    const tensors = readTorchCheckpoint(fixture('lightning-extras.ckpt'), { onRecords: (c) => c.forEach((n, k) => seen.set(k, n)) });
    const plainOf = (m: Map<string, HostTensor>) => [...m].map(([k, t]) => [k, plain(t)]);
    expect(plainOf(tensors)).toEqual(plainOf(readTorchCheckpoint(fixture('lightning.ckpt'))));
    expect(Object.fromEntries(seen)).toEqual({
      'lightning.fabric.utilities.data.AttributeDict': 1,
      'argparse.Namespace': 1,
      'pathlib.PosixPath': 1,
      'datetime.datetime': 1,
      'numpy.dtype': 1,
      'numpy.core.multiarray.scalar': 1,
    });
  });

  test('os.system inside the hyper-parameters still refuses the whole file, naming it', () => {
    expect(problemOf(fixture('lightning-evil-hparams.ckpt')).problem).toMatch(/pickle names 'os system', which is not a tensor-rebuild callable or an allowed inert class/);
  });

  test('a class outside the allow-list refuses the file; --allow-global MODULE.NAME reads it as a record', () => {
    const file = fixture('lightning-custom-class.ckpt');
    expect(problemOf(file).problem).toMatch(/pickle names 'mypkg\.config Settings', which is not a tensor-rebuild callable or an allowed inert class/);
    const seen = new Map<string, number>();
    expect(readTorchCheckpoint(file, { allowGlobals: ['mypkg.config.Settings'], onRecords: (c) => c.forEach((n, k) => seen.set(k, n)) }).size).toBe(8);
    expect(seen.get('mypkg.config.Settings')).toBe(1);
    expect(() => readTorchCheckpoint(file, { allowGlobals: ['not a name'] })).toThrow(/--allow-global expects MODULE\.NAME/);
    expect(() => readTorchCheckpoint(fixture('lightning-evil-hparams.ckpt'), { allowGlobals: ['os.system'] })).toThrow(/--allow-global os\.system: names from this module are never read/);
  });

  test('an inert record inside the state dict refuses the file', () => {
    expect(problemOf(fixture('namespace-in-state-dict.pt')).problem).toBe(
      "state dict entry 'args' is a argparse.Namespace object, not a tensor; inert records are only read outside the state dict",
    );
  });
});

describe('readTorchCheckpoint: errors', () => {
  test('a pickle naming os.system is refused, naming the global', () => {
    const e = problemOf(fixture('evil.pt'));
    expect(e.problem).toBe(
      "evil/data.pkl: pickle names 'os system', which is not a tensor-rebuild callable or an allowed inert class; refusing to load",
    );
  });

  test.each([
    ['truncated.ckpt', /^corrupt or truncated zip \(/],
    ['not-a-zip.pth', /^not a PyTorch zip checkpoint \(no zip signature; looks like the legacy pre-1\.6 format/],
    ['big-endian.pt', /^big-endian checkpoint \(byteorder 'big'\) is not supported/],
    ['missing-storage.pt', /^storage data\/1 for 'b' is missing from the archive$/],
    ['short-storage.pt', /^storage data\/1 for 'b' holds 12 bytes but the tensor needs 16$/],
    ['no-data-pkl.pt', /^missing data\.pkl/],
    ['no-state-dict.pt', /^no state dict found \(top-level keys: epoch, hyper_parameters;/],
    ['does-not-exist.pt', /^cannot read file \(ENOENT\)$/],
  ])('%s', (name, problem) => {
    expect(problemOf(fixture(name)).problem).toMatch(problem);
  });

  test('a file without any zip signature', () => {
    const tmp = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'torch-ckpt-')), 'text.pt');
    fs.writeFileSync(tmp, 'hello');
    expect(problemOf(tmp).problem).toBe('not a PyTorch zip checkpoint (no zip signature)');
    fs.rmSync(path.dirname(tmp), { recursive: true });
  });
});

describe('readTorchCheckpoint: the real DyNet checkpoint (Lightning 2.1)', () => {
  const file = path.join(REAL, 'dynet_seed0.ckpt');

  test('182 net.* tensors, shapes as in state_dict.tsv, 16,726,031 values', () => {
    const t0 = performance.now();
    const tensors = readTorchCheckpoint(file);
    const ms = performance.now() - t0;

    expect(tensors.size).toBe(182);
    const rows = fs.readFileSync(path.join(REAL, 'state_dict.tsv'), 'utf8').trim().split('\n').slice(1);
    expect(rows).toHaveLength(182);
    let total = 0;
    let sum = 0;
    for (const row of rows) {
      const [name, shape, numel] = row.split('\t');
      const t = tensors.get(`net.${name}`);
      expect(t).toBeDefined();
      expect(t!.shape.join('x')).toBe(shape);
      expect(t!.data.length).toBe(Number(numel));
      total += t!.data.length;
      for (let i = 0; i < t!.data.length; i++) sum += t!.data[i];
    }
    expect([...tensors.keys()].every((k) => k.startsWith('net.'))).toBe(true);
    expect(total).toBe(16_726_031);
    // Float64 sum of every value, computed with Python's zipfile + numpy.
    expect(sum).toBeCloseTo(1193314.599740908, 2);

    const w = tensors.get('net.patch_embed.proj.weight')!;
    expect(w.shape).toEqual([48, 3, 3, 3]);
    // Values read by numpy from the raw storage dynet_seed0/data/0.
    expect(w.data[0]).toBe(-0.0014408392598852515);
    expect(w.data[1]).toBe(0.10323861986398697);
    expect(w.data[2]).toBe(-0.15839511156082153);
    expect(w.data[777]).toBe(-0.11407700926065445);
    expect(w.data[1295]).toBe(-0.16071386635303497);

    // reading time is reported, not asserted: benchmarks live in tools/, not in tests
    console.log(`read ${file} in ${ms.toFixed(0)} ms`);
  });

  test('tensor bytes equal the raw storage blob', () => {
    const tensors = readTorchCheckpoint(file);
    const raw = unzipSync(fs.readFileSync(file), { filter: (f) => f.name === 'dynet_seed0/data/1' })['dynet_seed0/data/1'];
    const expected = new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
    const prompt = tensors.get('net.prompt1.prompt_param')!;
    expect(prompt.shape).toEqual([1, 5, 64, 64, 64]);
    expect(Buffer.from(prompt.data.buffer, prompt.data.byteOffset, prompt.data.byteLength).equals(Buffer.from(raw))).toBe(true);
    expect(prompt.data.length).toBe(expected.length);
  });

  test('200 random bytes written into a tensor blob are refused by CRC-32, naming the entry', () => {
    const bytes = new Uint8Array(fs.readFileSync(file));
    // the blob of net.prompt1.prompt_param (stored, uncompressed): find its bytes in the file
    const raw = unzipSync(bytes, { filter: (f) => f.name === 'dynet_seed0/data/1' })['dynet_seed0/data/1'];
    const at = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).indexOf(Buffer.from(raw.subarray(0, 64)));
    expect(at).toBeGreaterThan(0);
    let seed = 7;
    for (let i = 0; i < 200; i++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      bytes[at + 4096 + i] = seed >>> 24;
    }
    const tmp = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'torch-ckpt-')), 'damaged.ckpt');
    fs.writeFileSync(tmp, bytes);
    try {
      expect(problemOf(tmp).problem).toBe('damaged data: dynet_seed0/data/1 does not match its CRC-32 in the zip directory');
    } finally {
      fs.rmSync(path.dirname(tmp), { recursive: true });
    }
  });
});
