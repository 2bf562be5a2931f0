/**
 * WebGPU without a GPU, as CI runs it: onnxruntime-node's built-in WebGPU provider (Dawn on
 * Vulkan) on SwiftShader's software Vulkan driver, which Debian's chromium ships, through
 * Debian's Vulkan loader (libvulkan1); both are installed by .ci/run. Inference and two fused
 * training steps must give CPU's numbers, and the page's WebGPU path in headless Chromium (its
 * own SwiftShader adapter: --enable-unsafe-webgpu --use-webgpu-adapter=swiftshader) must give
 * onnxruntime-web wasm's. Shaders compile slowly in software, so the sizes are small.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ADAMW_DEFAULTS, SMALL, dynetParameterSpecs, initParameters } from '@dynet/graph';
import { chromium } from 'playwright-core';
import { DEFAULT_MODEL_DIR, loadRestorer, servePage } from '@dynet/infer';
import { TrainingSession, writeArtifacts } from '@dynet/train';
import { maxAbsDiff, tmpDir } from './helpers';

/** learning rate of the training test: large enough that a wrong update stands out */
const LR = 1e-3;
const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
const VULKAN_LOADER = ['/usr/lib/x86_64-linux-gnu/libvulkan.so.1', '/usr/lib/libvulkan.so.1'];

let dir: string;

beforeAll(() => {
  if (!fs.existsSync(SWIFTSHADER_ICD)) throw new Error(`${SWIFTSHADER_ICD} is missing: apt-get install chromium (.ci/run does)`);
  if (!VULKAN_LOADER.some((f) => fs.existsSync(f))) throw new Error('the Vulkan loader libvulkan.so.1 is missing: apt-get install libvulkan1 (.ci/run does)');
  // test/global-setup.js points the Vulkan loader at SwiftShader unless the caller chose a driver
  dir = tmpDir('webgpu');
});

afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('the bundled model at 1x3x64x64 on webgpu (SwiftShader) gives the CPU output within 1e-4', async () => {
  const shape: [number, number, number, number] = [1, 3, 64, 64];
  const input = Float32Array.from({ length: 3 * 64 * 64 }, (_, i) => (Math.sin(i * 0.37) + 1) / 2);
  const cpu = await loadRestorer({ model: DEFAULT_MODEL_DIR });
  const gpu = await loadRestorer({ model: DEFAULT_MODEL_DIR, device: 'webgpu' });
  const a = await cpu.runTensor(input, shape);
  const b = await gpu.runTensor(input, shape);
  await Promise.all([cpu.release(), gpu.release()]);
  expect(maxAbsDiff(a, b)).toBeLessThanOrEqual(1e-4);
});

test('two fused training steps on webgpu (SwiftShader): losses and updated weights equal CPU\'s within 1e-4 relative (weights: of the largest weight)', async () => {
  const shape = { batch: 1, height: 32, width: 32 };
  writeArtifacts({ config: SMALL, variant: 'S', loss: 'l1-clamped', shape, hyper: ADAMW_DEFAULTS, weights: initParameters(dynetParameterSpecs(SMALL), 0), outDir: dir, fused: true });
  const n = 3 * 32 * 32;
  const target = Float32Array.from({ length: n }, (_, i) => (Math.cos(i * 0.11) + 1) / 2);
  const input = target.map((v, i) => Math.min(1, Math.max(0, v + 0.2 * Math.sin(i * 7.3))));
  const run = async (device: 'cpu' | 'webgpu') => {
    const s = await TrainingSession.open(dir, { device, fused: true, threads: 2 });
    const losses = [await s.fusedStep(input, target, LR), await s.fusedStep(input, target, LR)];
    const params = new Map([...s.parameters].map(([k, v]) => [k, Float32Array.from(v.data)]));
    await s.release();
    return { losses, params };
  };
  const cpu = await run('cpu');
  const gpu = await run('webgpu');
  cpu.losses.forEach((l, i) => expect(Math.abs(gpu.losses[i] - l) / l).toBeLessThanOrEqual(1e-4));
  // Relative to the largest weight: AdamW's first steps move a weight by about lr whatever its
  // gradient's size, so where a gradient is rounding noise (zero-initialised biases) the two
  // devices may step it either way, and a tensor's own scale can be that small. A wrong gradient
  // or update anywhere moves weights by about LR, 1e-3 of the largest weight (1.0, a LayerNorm
  // scale), ten times the tolerance.
  let scale = 0;
  let worst = { name: '', diff: 0 };
  for (const [name, w] of cpu.params) {
    for (const v of w) scale = Math.max(scale, Math.abs(v));
    const diff = maxAbsDiff(gpu.params.get(name)!, w);
    if (diff > worst.diff) worst = { name, diff };
  }
  console.log(`webgpu vs cpu: losses ${gpu.losses.map((l) => l.toPrecision(7))} vs ${cpu.losses.map((l) => l.toPrecision(7))}; ` +
    `largest weight difference ${worst.diff.toExponential(2)} (${worst.name}), ${(worst.diff / scale).toExponential(2)} of the largest weight ${scale.toPrecision(3)}`);
  expect(worst.diff / scale).toBeLessThanOrEqual(1e-4);
});

test('the page on WebGPU in headless Chromium (SwiftShader adapter) gives onnxruntime-web wasm\'s output within 1e-4', async () => {
  const shape: [number, number, number, number] = [1, 3, 64, 64];
  const input = Float32Array.from({ length: 3 * 64 * 64 }, (_, i) => (Math.cos(i * 0.29) + 1) / 2);
  const wasm = await loadRestorer({ model: DEFAULT_MODEL_DIR, device: 'wasm' });
  const expected = await wasm.runTensor(input, shape);
  await wasm.release();
  const server = await servePage({ model: DEFAULT_MODEL_DIR, port: 0 });
  const browser = await chromium.launchPersistentContext(path.join(dir, 'profile'), {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader',
    ],
  });
  try {
    const page = await browser.newPage();
    await page.goto(`${server.url}?device=webgpu`);
    await page.evaluate(() => (window as unknown as { dynetPage: { ready: Promise<unknown> } }).dynetPage.ready);
    expect(await page.textContent('#status')).toMatch(/on onnxruntime-web webgpu/);
    const got = await page.evaluate(
      ([values, dims]) => (window as unknown as { dynetPage: { runTensor(v: number[], s: number[]): Promise<number[]> } }).dynetPage.runTensor(values, dims),
      [Array.from(input), shape] as const,
    );
    expect(maxAbsDiff(got, expected)).toBeLessThanOrEqual(1e-4);
  } finally {
    await browser.close();
    await server.close();
  }
});
