/** `dynet export`: shared weights, deterministic bytes, ONNX validity, metadata. */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { onnx } from 'onnx-proto';
import { CHECKPOINT, dynet, tmpDir } from './helpers';

let first: string;
let second: string;

beforeAll(() => {
  first = tmpDir('export-a');
  second = tmpDir('export-b');
  for (const out of [first, second]) {
    const r = dynet(['export', '--variant', 'S', '--variant', 'L', '--weights', CHECKPOINT, '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  }
});

afterAll(() => {
  for (const d of [first, second]) fs.rmSync(d, { recursive: true, force: true });
});

const FILES = ['dynet-s.onnx', 'dynet-l.onnx', 'dynet.weights.bin'];

test('S and L exported together write two graphs and ONE weights file', () => {
  expect(fs.readdirSync(first).sort()).toEqual([...FILES].sort());
});

test('S and L together take at most 1.02x one float32 weight set (16,726,031 x 4 bytes)', () => {
  const total = FILES.reduce((n, f) => n + fs.statSync(path.join(first, f)).size, 0);
  expect(total).toBeLessThanOrEqual(1.02 * 16726031 * 4);
});

test('both graphs read every parameter from the same external file at the same offsets', () => {
  const initializers = (f: string) =>
    onnx.ModelProto.decode(fs.readFileSync(path.join(first, f))).graph!.initializer!.filter((t) => t.dataLocation === 1);
  const s = initializers('dynet-s.onnx');
  const l = initializers('dynet-l.onnx');
  const key = (t: onnx.ITensorProto) => `${t.name}@${JSON.stringify(t.externalData)}`;
  expect(s.map(key).sort()).toEqual(l.map(key).sort());
  expect(new Set(s.flatMap((t) => t.externalData!.filter((e) => e.key === 'location').map((e) => e.value)))).toEqual(
    new Set(['dynet.weights.bin']),
  );
  // 182 parameters less the 3 reduce_noise_channel_* weights that the forward pass never reads
  expect(s.length).toBe(179);
});

test('exporting twice gives byte-identical files', () => {
  for (const f of FILES) expect(fs.readFileSync(path.join(first, f)).equals(fs.readFileSync(path.join(second, f)))).toBe(true);
});

test('the metadata records the variant, the reuse frequencies and the size constraint', () => {
  const meta = (f: string) =>
    Object.fromEntries(onnx.ModelProto.decode(fs.readFileSync(path.join(first, f))).metadataProps!.map((p) => [p.key, p.value]));
  const s = meta('dynet-s.onnx');
  const l = meta('dynet-l.onnx');
  expect(s['dynet.variant']).toBe('S');
  expect(JSON.parse(s['dynet.reuse'])).toEqual([2, 3, 3, 4]);
  expect(JSON.parse(l['dynet.reuse'])).toEqual([4, 6, 6, 8]);
  expect(s['dynet.input']).toMatch(/any N; H and W multiples of 8/);
  expect(JSON.parse(s['dynet.config']).dim).toBe(48);
});

test('every exported graph passes onnx.checker.check_model(full_check=True)', () => {
  const script = 'import sys, onnx\nfor p in sys.argv[1:]:\n    onnx.checker.check_model(p, full_check=True)\nprint("checked", len(sys.argv) - 1)';
  const files = ['dynet-s.onnx', 'dynet-l.onnx'].map((f) => path.join(first, f));
  // Debian's python3-onnx (installed by .ci/run) lives with the system interpreter
  const r = spawnSync('/usr/bin/python3', ['-c', script, ...files], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  expect(r.stdout.trim()).toBe('checked 2');
});
