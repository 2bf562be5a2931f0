/** `dynet export --weights-dtype float16`: half the bytes, the same network within float16 rounding. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { onnx } from 'onnx-proto';
import { readNpy, WEIGHTS_FILE } from '@dynet/graph';
import { CHECKPOINT, REFERENCE, dynet, maxAbsDiff, tmpDir } from './helpers';

let half: string;

beforeAll(() => {
  half = tmpDir('export-f16');
  const r = dynet(['export', '--weights', CHECKPOINT, '--weights-dtype', 'float16', '--out', half]);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  ortWeb.env.wasm.numThreads = 1;
});

afterAll(() => fs.rmSync(half, { recursive: true, force: true }));

const decode = (dir: string, file: string) => onnx.ModelProto.decode(fs.readFileSync(path.join(dir, file)));

test('the weights file holds 2 bytes per forward-path parameter (16,613,135), 64-byte alignment aside', () => {
  const bytes = fs.statSync(path.join(half, WEIGHTS_FILE)).size;
  expect(bytes).toBeGreaterThanOrEqual(16613135 * 2);
  expect(bytes).toBeLessThanOrEqual(16613135 * 2 + 179 * 64);
});

test('every parameter is a float16 external initializer under its state-dict name, cast once to float32', () => {
  const m = decode(half, 'dynet-s.onnx');
  const external = m.graph!.initializer!.filter((t) => t.dataLocation === 1);
  expect(external).toHaveLength(179);
  expect(new Set(external.map((t) => t.dataType))).toEqual(new Set([10]));
  const casts = m.graph!.node!.filter((n) => n.opType === 'Cast');
  expect(casts.map((n) => n.input![0]).sort()).toEqual(external.map((t) => t.name).sort());
  // no other node reads a float16 initializer directly
  const names = new Set(external.map((t) => t.name));
  for (const n of m.graph!.node!) if (n.opType !== 'Cast') for (const i of n.input!) expect(names.has(i!)).toBe(false);
  const meta = Object.fromEntries(m.metadataProps!.map((p) => [p.key, p.value]));
  expect(meta['dynet.weights_dtype']).toBe('float16');
});

test.each(['s', 'l'])('DyNet-%s stays within 5e-3 of output_*_a.npy in onnxruntime-node and -web, and is not bit-identical', async (v) => {
  const input = readNpy(path.join(REFERENCE, 'input_a.npy'));
  const expected = readNpy(path.join(REFERENCE, `output_${v.toUpperCase()}_a.npy`));
  const file = path.join(half, `dynet-${v}.onnx`);
  const node = await ortNode.InferenceSession.create(file, { intraOpNumThreads: 2 });
  const web = await ortWeb.InferenceSession.create(fs.readFileSync(file), {
    executionProviders: ['wasm'],
    externalData: [{ path: WEIGHTS_FILE, data: fs.readFileSync(path.join(half, WEIGHTS_FILE)) }],
  });
  const outNode = (await node.run({ input: new ortNode.Tensor('float32', input.data, input.shape) })).output.data as Float32Array;
  const outWeb = (await web.run({ input: new ortWeb.Tensor('float32', input.data, input.shape) })).output.data as Float32Array;
  await node.release();
  await web.release();
  const err = maxAbsDiff(outNode, expected.data);
  expect(err).toBeLessThanOrEqual(5e-3);
  expect(err).toBeGreaterThan(1e-5); // the float32 export matches within 1e-6: a difference proves float16 was read
  expect(maxAbsDiff(outWeb, outNode)).toBeLessThanOrEqual(1e-5);
});
