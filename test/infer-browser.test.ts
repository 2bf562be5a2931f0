/**
 * Cross-runtime parity and the demo page in headless Chromium (Debian's `chromium`, installed by
 * .ci/run): DyNet-S exported from the authors' reference checkpoint gives the same output tensor
 * on onnxruntime-node CPU, onnxruntime-web wasm under Node, and the page's onnxruntime-web in the
 * browser (issue 5 acceptance: 1e-4 max abs); and the page restores a picked image end to end.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { chromium, BrowserContext, Page } from 'playwright-core';
import { FULL, dynetParameterSpecs, exportDynet, loadParameters, readNpy } from '@dynet/graph';
import { loadRestorer, PageServer, readImage, restoreImageFile, servePage } from '@dynet/infer';
import { CHECKPOINT, REFERENCE, SHARED, maxAbsDiff, tmpDir } from './helpers';

const TOLERANCE = 1e-4;
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

let dir: string;
let server: PageServer;
let browser: BrowserContext;
let page: Page;

beforeAll(async () => {
  if (!fs.existsSync('/usr/bin/chromium')) throw new Error('/usr/bin/chromium is missing: apt-get install chromium (.ci/run does)');
  dir = tmpDir('infer-browser');
  exportDynet({ config: FULL, variants: ['S'], outDir: path.join(dir, 'model'), weights: loadParameters(CHECKPOINT, dynetParameterSpecs(FULL)), source: path.basename(CHECKPOINT) });
  server = await servePage({ model: path.join(dir, 'model'), port: 0 });
  // A fresh profile each run; no network, so Chromium's background services are switched off.
  browser = await chromium.launchPersistentContext(path.join(dir, 'profile'), { executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
  page = await browser.newPage();
  await page.goto(server.url);
  await page.evaluate(() => (window as unknown as { dynetPage: { ready: Promise<unknown> } }).dynetPage.ready);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('one input through onnxruntime-node CPU, onnxruntime-web wasm under Node and the page in Chromium: outputs agree within 1e-4', async () => {
  const input = readNpy(path.join(REFERENCE, 'input_a.npy'));
  const shape = input.shape as [number, number, number, number];
  const model = path.join(dir, 'model');
  const node = await loadRestorer({ model });
  const web = await loadRestorer({ model, device: 'wasm' });
  const onNode = await node.runTensor(input.data, shape);
  const onWeb = await web.runTensor(input.data, shape);
  const inBrowser = await page.evaluate(
    ([values, dims]) => (window as unknown as { dynetPage: { runTensor(v: number[], s: number[]): Promise<number[]> } }).dynetPage.runTensor(values, dims),
    [Array.from(input.data), shape] as const,
  );
  expect(await page.textContent('#status')).toMatch(/DyNet-S loaded in .* s on onnxruntime-web (wasm|webgpu)/);
  expect(maxAbsDiff(onNode, onWeb)).toBeLessThanOrEqual(TOLERANCE);
  expect(maxAbsDiff(onNode, inBrowser)).toBeLessThanOrEqual(TOLERANCE);
  expect(maxAbsDiff(onWeb, inBrowser)).toBeLessThanOrEqual(TOLERANCE);
  // and all three reproduce the authors' PyTorch output
  expect(maxAbsDiff(inBrowser, readNpy(path.join(REFERENCE, 'output_S_a.npy')).data)).toBeLessThanOrEqual(TOLERANCE);
  await Promise.all([node.release(), web.release()]);
});

test('the page restores a picked image: before/after with a divider, the time taken, and a download equal to `dynet restore` within one level', async () => {
  const file = path.join(dir, 'noisy.png');
  const sharp = (await import('sharp')).default;
  await sharp(path.join(SHARED, 'fixtures', 'metrics', 'noisy_0.png')).extract({ left: 100, top: 100, width: 72, height: 56 }).toFile(file);
  await page.setInputFiles('#file', file);
  await page.waitForFunction(() => (window as unknown as { dynetPage: { results: unknown[] } }).dynetPage.results.length > 0, undefined, { timeout: 120_000 });
  expect(await page.textContent('#timing')).toMatch(/^72x56 in \d+\.\d\d s on onnxruntime-web/);
  expect(await page.isVisible('#slider')).toBe(true);
  // the drop hint no longer shows through the result, and an 8-bit PNG gets no bit-depth note
  expect(await page.isVisible('#hint')).toBe(false);
  expect(await page.isVisible('#depth-note')).toBe(false);
  expect(await page.getAttribute('#after', 'class')).toContain('shown');
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
  expect(download.suggestedFilename()).toBe('noisy-restored.png');
  const saved = path.join(dir, 'from-page.png');
  await download.saveAs(saved);
  const fromPage = (await readImage(saved)).pixels;
  const node = await loadRestorer({ model: path.join(dir, 'model') });
  const fromNode = path.join(dir, 'from-node.png');
  fs.writeFileSync(fromNode, await restoreImageFile(node, file));
  await node.release();
  const expected = (await readImage(fromNode)).pixels;
  expect([fromPage.width, fromPage.height]).toEqual([72, 56]);
  // The page's canvas gives RGBA; compare the colour samples.
  const rgb = Array.from(fromPage.samples).filter((_, i) => i % 4 !== 3);
  expect(maxAbsDiff(rgb, expected.samples)).toBeLessThanOrEqual(1);
});
