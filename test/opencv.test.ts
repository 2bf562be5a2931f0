/**
 * `dynet export --target opencv` (issue 15 item 6): DyNet-S and DyNet-L exported from the authors'
 * reference checkpoint at 64x64 load and run in Debian's OpenCV DNN 4.6 (python3-opencv, which
 * .ci/run installs) and reproduce the authors' PyTorch outputs within 1e-4; the same files pass
 * onnx.checker and give ONNX Runtime's output too. Bad option combinations are refused.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { readNpy } from '@dynet/graph';
import { CHECKPOINT, REFERENCE, dynet, maxAbsDiff, tmpDir } from './helpers';

const TOLERANCE = 1e-4;
const PYTHON = '/usr/bin/python3';
let dir: string;
let models: string;

/** OpenCV DNN's output for the reference input (fusion off: docs/opencv.md says why). */
function runOpenCv(model: string, input: string, fusion = false): Float32Array {
  const out = path.join(dir, `opencv-${path.basename(model)}-${fusion}.bin`);
  const script = [
    'import sys, cv2, numpy as np',
    'net = cv2.dnn.readNetFromONNX(sys.argv[1])',
    `net.enableFusion(${fusion ? 'True' : 'False'})`,
    'net.setInput(np.load(sys.argv[2]).astype(np.float32))',
    'net.forward().astype(np.float32).tofile(sys.argv[3])',
  ].join('\n');
  const r = spawnSync(PYTHON, ['-c', script, model, input, out], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`OpenCV on ${model} failed (${r.status ?? r.signal}): ${r.stderr}`);
  const bytes = fs.readFileSync(out);
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
}

beforeAll(() => {
  const probe = spawnSync(PYTHON, ['-c', 'import cv2; print(cv2.__version__)'], { encoding: 'utf8' });
  if (probe.status !== 0) throw new Error('python3-opencv is missing: apt-get install python3-opencv (.ci/run does)');
  dir = tmpDir('opencv');
  models = path.join(dir, 'models');
  const r = dynet(['export', '--weights', CHECKPOINT, '--target', 'opencv', '--input-size', '64x64', '-o', models]);
  if (r.status !== 0) throw new Error(`dynet export --target opencv failed: ${r.stderr}`);
  expect(r.stdout).toMatch(/wrote .*dynet-s-opencv-64x64\.onnx/);
  expect(r.stdout).toMatch(/wrote .*dynet-l-opencv-64x64\.onnx/);
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

for (const variant of ['S', 'L']) {
  test(`DyNet-${variant} at 64x64 in OpenCV DNN 4.6 equals the authors' output within 1e-4, and so does ONNX Runtime on the same file`, async () => {
    const model = path.join(models, `dynet-${variant.toLowerCase()}-opencv-64x64.onnx`);
    const input = path.join(REFERENCE, 'input_a.npy');
    const expected = readNpy(path.join(REFERENCE, `output_${variant}_a.npy`)).data;
    expect(maxAbsDiff(runOpenCv(model, input), expected)).toBeLessThanOrEqual(TOLERANCE);
    const session = await ort.InferenceSession.create(model);
    const x = readNpy(input);
    const onOrt = (await session.run({ input: new ort.Tensor('float32', x.data as Float32Array, x.shape) })).output.data as Float32Array;
    await session.release();
    expect(maxAbsDiff(onOrt, expected)).toBeLessThanOrEqual(TOLERANCE);
  }, 120_000);
}

test('the OpenCV file is one self-contained, valid ONNX model (onnx.checker full_check)', () => {
  const model = path.join(models, 'dynet-s-opencv-64x64.onnx');
  expect(fs.readdirSync(models).sort()).toEqual(['dynet-l-opencv-64x64.onnx', 'dynet-s-opencv-64x64.onnx']);
  const r = spawnSync(PYTHON, ['-c', 'import sys, onnx; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True); print("ok")', model], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  expect(r.stdout.trim()).toBe('ok');
});

test('--target opencv refuses a missing or odd --input-size and float16 weights, writing nothing', () => {
  const out = path.join(dir, 'refused');
  for (const [args, message] of [
    [[], /--target opencv needs --input-size HxW/],
    [['--input-size', '60x64'], /height and width must be positive multiples of 8/],
    [['--input-size', '64x64', '--weights-dtype', 'float16'], /OpenCV DNN 4.6 reads no float16/],
  ] as [string[], RegExp][]) {
    const r = dynet(['export', '--preset', 'small', '--target', 'opencv', '-o', out, ...args]);
    expect(r.stderr).toMatch(message);
    expect(r.status).not.toBe(0);
    expect(fs.existsSync(out)).toBe(false);
  }
});
