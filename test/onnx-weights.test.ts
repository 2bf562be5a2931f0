/**
 * `--weights MODEL.onnx`: the parameters of an exported model (float32 or float16 weights file)
 * read back for fine-tuning; the unused `reduce_noise_channel_*` (not stored) come back as zeros.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Float16Array } from '@petamoriken/float16';
import { SMALL, WeightFileError, dynetParameterSpecs, exportDynet, initParameters, loadParameters } from '@dynet/graph';
import { tmpDir } from './helpers';

const specs = dynetParameterSpecs(SMALL);
const weights = initParameters(specs, 11);
let dir: string;

beforeAll(() => {
  dir = tmpDir('onnx-weights');
  for (const dtype of ['float32', 'float16'] as const) {
    exportDynet({ config: SMALL, variants: ['S'], outDir: path.join(dir, dtype), weights, source: 'test', weightsDType: dtype });
  }
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test.each(['float32', 'float16'] as const)('a %s export reads back as the exported parameters', (dtype) => {
  const back = loadParameters(path.join(dir, dtype, 'dynet-s.onnx'), specs);
  expect(back.size).toBe(specs.length);
  for (const s of specs) {
    const got = back.get(s.name)!;
    expect(got.shape).toEqual(s.shape);
    if (/^reduce_noise_channel_/.test(s.name)) {
      expect(got.data.every((v) => v === 0)).toBe(true);
      continue;
    }
    const want = dtype === 'float32' ? weights.get(s.name)!.data : Float32Array.from(Float16Array.from(weights.get(s.name)!.data));
    expect(Buffer.from(got.data.buffer, got.data.byteOffset, got.data.byteLength).equals(Buffer.from(want.buffer, want.byteOffset, want.byteLength))).toBe(true);
  }
});

test('a truncated weights file beside the model is refused naming the initializer', () => {
  const m = path.join(dir, 'cut');
  fs.cpSync(path.join(dir, 'float32'), m, { recursive: true });
  const bin = path.join(m, 'dynet.weights.bin');
  fs.truncateSync(bin, fs.statSync(bin).size - 100);
  expect(() => loadParameters(path.join(m, 'dynet-s.onnx'), specs)).toThrow(WeightFileError);
  expect(() => loadParameters(path.join(m, 'dynet-s.onnx'), specs)).toThrow(/dynet-s\.onnx: initializer '.*' .* does not fit dynet\.weights\.bin/);
});
