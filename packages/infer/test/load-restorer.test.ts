/**
 * Loading exported model folders: metadata, the weights check, one-line errors for a missing,
 * truncated or stale file, and the same graph on onnxruntime-node and onnxruntime-web (wasm).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadRestorer, planarImage, readModelMetadata } from '../src';
import { exportSmall, maxAbsDiff, testPattern, tmpDir } from './helpers';

let dir: string;
beforeAll(() => (dir = exportSmall(tmpDir('load'))));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A copy of the exported folder to damage. */
function copyModel(tag: string): string {
  const copy = path.join(dir, tag);
  fs.mkdirSync(copy);
  for (const f of ['dynet-s.onnx', 'dynet-l.onnx', 'dynet.weights.bin']) fs.copyFileSync(path.join(dir, f), path.join(copy, f));
  return copy;
}

test('readModelMetadata reads the export metadata without decoding the graph', () => {
  const meta = readModelMetadata(fs.readFileSync(path.join(dir, 'dynet-l.onnx')));
  expect(meta['dynet.variant']).toBe('L');
  expect(meta['dynet.weights_file']).toBe('dynet.weights.bin');
  expect(meta['dynet.weights_sha256']).toMatch(/^[0-9a-f]{64}$/);
  expect(() => readModelMetadata(new TextEncoder().encode('hello, not a model'))).toThrow(/not an ONNX model/);
});

test('DyNet-S and -L on onnxruntime-node cpu and onnxruntime-web wasm agree within 1e-5 on a 20x13 image', async () => {
  const image = planarImage(20, 13, testPattern(20, 13));
  for (const variant of ['S', 'L'] as const) {
    const node = await loadRestorer({ model: dir, variant });
    const web = await loadRestorer({ model: dir, variant, device: 'wasm', threads: 1 });
    expect([node.variant, node.backend, web.backend]).toEqual([variant, 'onnxruntime-node cpu', 'onnxruntime-web wasm']);
    const [a, b] = [await node.restore(image), await web.restore(image)];
    expect([a.width, a.height]).toEqual([20, 13]);
    expect(maxAbsDiff(a.data, b.data)).toBeLessThanOrEqual(1e-5);
    await Promise.all([node.release(), web.release()]);
  }
});

describe('a broken model folder gives one line naming the file', () => {
  const expectRefused = async (model: string, device: 'cpu' | 'wasm', message: RegExp) => {
    const err = await loadRestorer({ model, device }).then(() => null, (e: Error) => e);
    expect(err).not.toBeNull();
    expect(err!.message.split('\n')).toHaveLength(1);
    expect(err!.message).toMatch(message);
  };

  test('no model in the folder: says how to make one', async () => {
    const empty = path.join(dir, 'empty');
    fs.mkdirSync(empty);
    await expectRefused(empty, 'cpu', /empty\/dynet-s\.onnx: no DyNet-S model there; write one with `npx dynet export` or pass --model DIR/);
  });

  test.each(['cpu', 'wasm'] as const)('weights file missing (%s)', async (device) => {
    const m = copyModel(`no-weights-${device}`);
    fs.rmSync(path.join(m, 'dynet.weights.bin'));
    await expectRefused(m, device, /dynet\.weights\.bin: weights file missing \(.*dynet-s\.onnx reads its weights from it\)/);
  });

  test.each(['cpu', 'wasm'] as const)('weights file from another export (%s)', async (device) => {
    const m = copyModel(`stale-${device}`);
    exportSmall(path.join(m, 'other'), 1);
    fs.copyFileSync(path.join(m, 'other', 'dynet.weights.bin'), path.join(m, 'dynet.weights.bin'));
    await expectRefused(m, device, /dynet\.weights\.bin: weights file does not match .*dynet-s\.onnx .*stale or damaged: export the model again/);
  });

  test('truncated weights file', async () => {
    const m = copyModel('cut-weights');
    const w = path.join(m, 'dynet.weights.bin');
    fs.writeFileSync(w, fs.readFileSync(w).subarray(0, 1000));
    await expectRefused(m, 'cpu', /weights file does not match/);
  });

  test('truncated graph file', async () => {
    const m = copyModel('cut-graph');
    const g = path.join(m, 'dynet-s.onnx');
    fs.writeFileSync(g, fs.readFileSync(g).subarray(0, 5000));
    await expectRefused(m, 'cpu', /dynet-s\.onnx: not an ONNX model or truncated/);
  });
});
