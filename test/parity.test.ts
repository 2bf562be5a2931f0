/**
 * DyNet-S and DyNet-L exported from the authors' checkpoint reproduce the authors' outputs in
 * onnxruntime-node and in onnxruntime-web's wasm backend (issue 2 acceptance: <= 1e-5).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ortNode from 'onnxruntime-node';
import { FULL, dynetParameterSpecs, exportDynet, loadParameters, readNpy, Variant, WEIGHTS_FILE, graphFileName } from '@dynet/graph';
import { CHECKPOINT, REFERENCE, maxAbsDiff, tmpDir } from './helpers';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const ortWeb: typeof ortNode = require('onnxruntime-web');

const TOLERANCE = 1e-5;
let dir: string;

beforeAll(() => {
  dir = tmpDir('parity');
  const weights = loadParameters(CHECKPOINT, dynetParameterSpecs(FULL));
  exportDynet({ config: FULL, variants: ['S', 'L'], outDir: dir, weights, source: path.basename(CHECKPOINT) });
  ortWeb.env.wasm.numThreads = 1;
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function runNode(variant: Variant, input: { data: Float32Array; shape: number[] }): Promise<Float32Array> {
  const session = await ortNode.InferenceSession.create(path.join(dir, graphFileName(variant)), { intraOpNumThreads: 2 });
  const out = await session.run({ input: new ortNode.Tensor('float32', input.data, input.shape) });
  await session.release();
  return out.output.data as Float32Array;
}

async function runWeb(variant: Variant, input: { data: Float32Array; shape: number[] }): Promise<Float32Array> {
  const session = await ortWeb.InferenceSession.create(fs.readFileSync(path.join(dir, graphFileName(variant))), {
    executionProviders: ['wasm'],
    externalData: [{ path: WEIGHTS_FILE, data: fs.readFileSync(path.join(dir, WEIGHTS_FILE)) }],
  });
  const out = await session.run({ input: new ortWeb.Tensor('float32', input.data, input.shape) });
  await session.release();
  return out.output.data as Float32Array;
}

describe.each(['S', 'L'] as const)('DyNet-%s from dynet_seed0.ckpt', (variant) => {
  test.each(['a', 'b'])(`onnxruntime-node and -web reproduce output_${variant}_%s.npy within 1e-5`, async (c) => {
    const input = readNpy(path.join(REFERENCE, `input_${c}.npy`));
    const expected = readNpy(path.join(REFERENCE, `output_${variant}_${c}.npy`));
    const node = await runNode(variant, input);
    const web = await runWeb(variant, input);
    expect(maxAbsDiff(node, expected.data)).toBeLessThanOrEqual(TOLERANCE);
    expect(maxAbsDiff(web, expected.data)).toBeLessThanOrEqual(TOLERANCE);
    expect(maxAbsDiff(web, node)).toBeLessThanOrEqual(TOLERANCE);
  });
});

test('any batch size and any H, W multiple of 8 run: N=3 at 8x8 and 16x40 match N=1 runs of each image', async () => {
  for (const [h, w] of [
    [8, 8],
    [16, 40],
  ]) {
    const per = 3 * h * w;
    const batch = Float32Array.from({ length: 3 * per }, (_, i) => (Math.sin(i * 0.37) + 1) / 2);
    const together = await runNode('S', { data: batch, shape: [3, 3, h, w] });
    for (let k = 0; k < 3; k++) {
      const alone = await runNode('S', { data: batch.slice(k * per, (k + 1) * per), shape: [1, 3, h, w] });
      expect(maxAbsDiff(together.slice(k * per, (k + 1) * per), alone)).toBeLessThanOrEqual(TOLERANCE);
    }
  }
});
