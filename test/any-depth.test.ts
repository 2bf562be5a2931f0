/**
 * dynet-any.onnx (issue 16): one graph whose reuse counts are an input. Exported beside S and L
 * from the authors' reference checkpoint, at depth 2,3,3,4 and 4,6,6,8 it equals the unrolled
 * DyNet-S and DyNet-L graphs within 1e-5 on both reference inputs, on onnxruntime-node and on
 * onnxruntime-web (wasm); it passes onnx.checker's full check; the folder stays within 1.02x of
 * one weight set; other depths from 1 to 8 run, and depths outside that are refused; the web
 * page offers the depths where the folder has dynet-any.onnx and runs the chosen one.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readNpy } from '@dynet/graph';
import * as ort from 'onnxruntime-node';
import { chromium } from 'playwright-core';
import { loadRestorer, readImage, Restorer, servePage } from '@dynet/infer';
import { CHECKPOINT, REFERENCE, ROOT, dynet, maxAbsDiff, tmpDir } from './helpers';

const TOLERANCE = 1e-5;
const DEPTHS = { S: [2, 3, 3, 4], L: [4, 6, 6, 8] } as const;
let dir: string;
let model: string;

beforeAll(() => {
  dir = tmpDir('any-depth');
  model = path.join(dir, 'model');
  const r = dynet(['export', '--weights', CHECKPOINT, '--variant', 'S', 'L', 'any', '-o', model]);
  if (r.status !== 0) throw new Error(`dynet export --variant S L any failed: ${r.stderr}`);
}, 120_000);

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test('S, L and any share one weights file: the folder is at most 1.02x of it; any passes onnx.checker (full) and records its depth range', () => {
  const files = fs.readdirSync(model).sort();
  expect(files).toEqual(['dynet-any.onnx', 'dynet-l.onnx', 'dynet-s.onnx', 'dynet.weights.bin']);
  const total = files.reduce((a, f) => a + fs.statSync(path.join(model, f)).size, 0);
  expect(total / fs.statSync(path.join(model, 'dynet.weights.bin')).size).toBeLessThanOrEqual(1.02);
  const check = spawnSync('/usr/bin/python3', ['-c', [
    'import sys, onnx',
    'onnx.checker.check_model(sys.argv[1], full_check=True)',
    'm = onnx.load(sys.argv[1], load_external_data=False)',
    'print([i.name for i in m.graph.input], sum(n.op_type == "Loop" for n in m.graph.node), {p.key: p.value for p in m.metadata_props}["dynet.depth_range"])',
  ].join('\n'), path.join(model, 'dynet-any.onnx')], { encoding: 'utf8' });
  expect(check.stderr).toBe('');
  // 4 encoder levels and 3 decoder levels repeat their block: 7 Loops
  expect(check.stdout.trim()).toBe("['input', 'depth'] 7 [1,8]");
});

for (const device of ['cpu', 'wasm'] as const) {
  test(`on ${device === 'cpu' ? 'onnxruntime-node' : 'onnxruntime-web (wasm)'}: depth 2,3,3,4 equals dynet-s.onnx and 4,6,6,8 dynet-l.onnx within 1e-5 on both reference inputs`, async () => {
    for (const variant of ['S', 'L'] as const) {
      const fixed = await loadRestorer({ model, variant, device });
      const any = await loadRestorer({ model, depth: DEPTHS[variant], device });
      expect(any.variant).toBe(`any (depth ${DEPTHS[variant].join(',')})`);
      for (const name of ['input_a', 'input_b']) {
        const x = readNpy(path.join(REFERENCE, `${name}.npy`));
        const shape = x.shape as [number, number, number, number];
        const a = await fixed.runTensor(x.data, shape);
        const b = await any.runTensor(x.data, shape);
        expect([variant, name, maxAbsDiff(a, b) <= TOLERANCE]).toEqual([variant, name, true]);
      }
      await Promise.all([fixed.release(), any.release()]);
    }
  }, 180_000);
}

test('onnxruntime-node lays out the Loop bodies\' convolutions as it does the unrolled graph\'s: where dynet-s.onnx gets NCHWc convolutions, no plain Conv is left in a Loop body', async () => {
  const optimized = (name: string) => path.join(dir, `optimized-${name}`);
  for (const name of ['dynet-s.onnx', 'dynet-any.onnx']) {
    const session = await ort.InferenceSession.create(path.join(model, name), { graphOptimizationLevel: 'all', optimizedModelFilePath: optimized(name), logSeverityLevel: 3 });
    await session.release();
  }
  const count = spawnSync('/usr/bin/python3', ['-c', [
    'import sys, onnx',
    's = onnx.load(sys.argv[1], load_external_data=False)',
    'a = onnx.load(sys.argv[2], load_external_data=False)',
    'bodies = [n.attribute[0].g for n in a.graph.node if n.op_type == "Loop"]',
    'print(sum(n.op_type == "Conv" and n.domain == "com.microsoft.nchwc" for n in s.graph.node) > 0,',
    '      len(bodies), sum(n.op_type == "Conv" and n.domain == "" for b in bodies for n in b.node))',
  ].join('\n'), optimized('dynet-s.onnx'), optimized('dynet-any.onnx')], { encoding: 'utf8' });
  expect(count.stderr).toBe('');
  const [nchwc, loops, plainInBodies] = count.stdout.trim().split(' ');
  expect(loops).toBe('7');
  // a CPU without NCHWc kernels (no AVX2) keeps plain convolutions in both graphs
  if (nchwc === 'True') expect(plainInBodies).toBe('0');
}, 120_000);

test('depths from 1,1,1,1 to 8,8,8,8 run and differ from each other; a count outside 1..8 or a wrong length is refused', async () => {
  const x = readNpy(path.join(REFERENCE, 'input_a.npy'));
  const shape = x.shape as [number, number, number, number];
  const outputs: Float32Array[] = [];
  for (const depth of [[1, 1, 1, 1], [8, 8, 8, 8], [3, 1, 4, 1]]) {
    const r: Restorer = await loadRestorer({ model, depth });
    outputs.push(await r.runTensor(x.data, shape));
    await r.release();
  }
  expect(maxAbsDiff(outputs[0], outputs[1])).toBeGreaterThan(1e-3);
  expect(maxAbsDiff(outputs[0], outputs[2])).toBeGreaterThan(1e-3);
  for (const depth of [[0, 3, 3, 4], [2, 3, 3, 9], [2, 3, 3], [2, 3.5, 3, 4]]) {
    await expect(loadRestorer({ model, depth })).rejects.toThrow(/depth must be four whole reuse counts from 1 to 8/);
  }
});

test('in a folder with only dynet-any.onnx, --variant S and L name the depths it records', async () => {
  const only = path.join(dir, 'any-only');
  fs.mkdirSync(only);
  for (const f of ['dynet-any.onnx', 'dynet.weights.bin']) fs.copyFileSync(path.join(model, f), path.join(only, f));
  const x = readNpy(path.join(REFERENCE, 'input_a.npy'));
  const shape = x.shape as [number, number, number, number];
  for (const variant of ['S', 'L'] as const) {
    const named = await loadRestorer({ model: only, variant });
    expect(named.variant).toBe(`any (depth ${DEPTHS[variant].join(',')})`);
    const fixed = await loadRestorer({ model, variant });
    expect(maxAbsDiff(await named.runTensor(x.data, shape), await fixed.runTensor(x.data, shape))).toBeLessThanOrEqual(TOLERANCE);
    await Promise.all([named.release(), fixed.release()]);
  }
});

test('dynet restore --depth: 2,3,3,4 gives --variant S\'s image within one level; a bad --depth is one line, exit 1, nothing written', async () => {
  const input = path.join(ROOT, 'docs/examples/rain.png');
  const viaAny = path.join(dir, 'any.png');
  const viaS = path.join(dir, 's.png');
  for (const [args, out] of [[['--depth', '2,3,3,4'], viaAny], [['--variant', 'S'], viaS]] as [string[], string][]) {
    const r = dynet(['restore', input, '-o', out, '--model', model, ...args]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  }
  expect(dynet(['restore', input, '-o', viaAny, '--model', model, '--depth', '2,3,3,4']).stdout).toMatch(/DyNet-any \(depth 2,3,3,4\), onnxruntime-node cpu/);
  const [a, b] = [(await readImage(viaAny)).pixels.samples, (await readImage(viaS)).pixels.samples];
  expect(maxAbsDiff(a, b)).toBeLessThanOrEqual(1);
  const bad = path.join(dir, 'bad.png');
  for (const depth of ['2,3,3', '2,3,3,9']) {
    const r = dynet(['restore', input, '-o', bad, '--model', model, '--depth', depth]);
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(fs.existsSync(bad)).toBe(false);
  }
});

test('the page offers a depth selector for a folder with dynet-any.onnx and runs the chosen depth (headless Chromium, wasm): 2,3,3,4 gives DyNet-S', async () => {
  const server = await servePage({ model, port: 0 });
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const page = await browser.newPage();
    await page.goto(`${server.url}?device=wasm&depth=2,3,3,4`);
    await page.evaluate(() => (window as unknown as { dynetPage: { ready: Promise<unknown> } }).dynetPage.ready);
    expect(await page.textContent('#status')).toMatch(/^DyNet-any \(depth 2,3,3,4\) loaded in .* s on onnxruntime-web wasm/);
    await page.waitForSelector('#depth-choice:not([hidden])');
    expect(await page.$eval('#depth', (e) => (e as HTMLSelectElement).value)).toBe('2,3,3,4');
    expect(await page.$$eval('#depth option', (os) => os.map((o) => (o as HTMLOptionElement).value))).toEqual(['', '1,1,1,1', '1,2,2,3', '2,3,3,4', '3,4,4,6', '4,6,6,8']);
    const x = readNpy(path.join(REFERENCE, 'input_a.npy'));
    const inBrowser = await page.evaluate(
      ([values, dims]) => (window as unknown as { dynetPage: { runTensor(v: number[], s: number[]): Promise<number[]> } }).dynetPage.runTensor(values, dims),
      [Array.from(x.data), x.shape] as const,
    );
    const fixed = await loadRestorer({ model, variant: 'S' });
    expect(maxAbsDiff(inBrowser, await fixed.runTensor(x.data, x.shape as [number, number, number, number]))).toBeLessThanOrEqual(1e-4);
    await fixed.release();
    // choosing another depth reloads the page with it
    await Promise.all([page.waitForURL(/depth=1%2C1%2C1%2C1|depth=1,1,1,1/), page.selectOption('#depth', '1,1,1,1')]);
    await page.evaluate(() => (window as unknown as { dynetPage: { ready: Promise<unknown> } }).dynetPage.ready);
    expect(await page.textContent('#status')).toMatch(/^DyNet-any \(depth 1,1,1,1\) loaded/);
  } finally {
    await browser.close();
    await server.close();
  }
}, 180_000);
