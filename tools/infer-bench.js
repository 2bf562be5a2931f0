#!/usr/bin/env node
/**
 * Inference figures for issue 5: images/s for DyNet-S and -L at SIZE x SIZE on onnxruntime-node
 * CPU (through @dynet/infer, with a bare session.run of the same graph as the in-run baseline) and
 * in headless Chromium on the demo page (wasm; baseline: onnxruntime-web wasm under Node with the
 * same thread count), and the page's time to first result including model load (fresh browser
 * profile each time: page load, wasm compile, model fetch and check, session, one restore).
 * Medians of --runs runs after a warm-up. Needs a build (npm run build) and /usr/bin/chromium.
 *
 *   node tools/infer-bench.js [--runs 3] [--size 512] [--variants S L] [--first-result-runs 3]
 */
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const ortNode = require('onnxruntime-node');
const yargs = require('yargs');
const g = require('@dynet/graph');
const infer = require('@dynet/infer');

const args = yargs(process.argv.slice(2))
  .option('runs', { type: 'number', default: 3 })
  .option('size', { type: 'number', default: 512 })
  .option('variants', { type: 'string', array: true, default: ['S', 'L'] })
  .option('first-result-runs', { type: 'number', default: 3 })
  .option('skip-browser', { type: 'boolean', default: false })
  .option('weights', { type: 'string', default: path.resolve(__dirname, '../../shared/fixtures/dynet-reference/dynet_seed0.ckpt') })
  .strict()
  .parseSync();

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const { median, loadAverage } = require('./bench-util');
const THREADS = os.cpus().length;

async function timeMs(fn, runs) {
  await fn();
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return median(times);
}

function pattern(n) {
  return Float32Array.from({ length: 3 * n * n }, (_, i) => 0.5 + 0.4 * Math.sin(i * 0.013));
}

async function nodeFigures(model, variant) {
  const n = args.size;
  const file = path.join(model, infer.graphFileName(variant));
  const bare = await ortNode.InferenceSession.create(file, { intraOpNumThreads: THREADS, enableMemPattern: false });
  const tensor = new ortNode.Tensor('float32', pattern(n), [1, 3, n, n]);
  const baseline = await timeMs(() => bare.run({ input: tensor }), args.runs);
  await bare.release();
  const restorer = await infer.loadRestorer({ model, variant, threads: THREADS });
  const image = infer.planarImage(n, n, pattern(n));
  const ours = await timeMs(() => restorer.restore(image), args.runs);
  await restorer.release();
  const web = await infer.loadRestorer({ model, variant, device: 'wasm', threads: THREADS });
  const wasm = await timeMs(() => web.restore(image), args.runs);
  await web.release();
  return { baseline, ours, wasm };
}

async function withBrowser(fn) {
  const { chromium } = require('playwright-core');
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'dynet-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
  try {
    return await fn(await context.newPage());
  } finally {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

async function browserFigures(url, variant) {
  return withBrowser(async (page) => {
    await page.goto(`${url}?variant=${variant}&device=wasm`);
    const ready = await page.evaluate(() => window.dynetPage.ready);
    const times = await page.evaluate(([n, runs]) => window.dynetPage.timeRestore(n, n, runs), [args.size, args.runs]);
    return { loadMs: ready.loadMs, backend: ready.backend, ms: median(times) };
  });
}

async function firstResult(url, variant, png) {
  const times = [];
  for (let i = 0; i < args.firstResultRuns; i++) {
    times.push(
      await withBrowser(async (page) => {
        await page.goto(`${url}?variant=${variant}`);
        await page.setInputFiles('#file', png);
        await page.waitForFunction(() => window.dynetPage.results.length > 0, undefined, { timeout: 900_000 });
        return page.evaluate(() => window.dynetPage.results[0].atMs);
      }),
    );
  }
  return median(times);
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dynet-infer-bench-'));
  const model = path.join(dir, 'model');
  try {
    const specs = g.dynetParameterSpecs(g.FULL);
    const weights = fs.existsSync(args.weights) ? g.loadParameters(args.weights, specs) : g.initParameters(specs, 0);
    g.exportDynet({ config: g.FULL, variants: ['S', 'L'], outDir: model, weights, source: 'bench' });
    console.log(`machine: ${os.cpus()[0].model}, ${THREADS} cores, load average ${loadAverage()} at start`);
    console.log(`DyNet FULL preset, 1x3x${args.size}x${args.size}, medians of ${args.runs} runs after a warm-up, ${THREADS} threads`);
    const png = path.join(dir, 'input.png');
    await require('sharp')(Buffer.from(pattern(args.size).subarray(0, args.size * args.size * 3).map((v) => v * 255)), { raw: { width: args.size, height: args.size, channels: 3 } }).png().toFile(png);
    const server = args.skipBrowser ? null : await infer.servePage({ model, port: 0 });
    try {
      for (const variant of args.variants) {
        const n = await nodeFigures(model, variant);
        const ips = (ms) => (1000 / ms).toFixed(3);
        console.log(`DyNet-${variant} node cpu:  ${ips(n.ours)} images/s (${(n.ours / 1000).toFixed(2)} s) | baseline bare session.run ${ips(n.baseline)} images/s (${(n.baseline / 1000).toFixed(2)} s)`);
        console.log(`DyNet-${variant} node wasm: ${ips(n.wasm)} images/s (${(n.wasm / 1000).toFixed(2)} s) (onnxruntime-web under Node)`);
        if (!server) continue;
        const b = await browserFigures(server.url, variant);
        console.log(`DyNet-${variant} chromium ${b.backend}: ${ips(b.ms)} images/s (${(b.ms / 1000).toFixed(2)} s); model load ${(b.loadMs / 1000).toFixed(2)} s`);
        const first = await firstResult(server.url, variant, png);
        console.log(`DyNet-${variant} page: first result ${(first / 1000).toFixed(2)} s after navigation (median of ${args.firstResultRuns}, fresh profile each: load + compile + model + ${args.size}x${args.size} restore)`);
      }
    } finally {
      await server?.close();
    }
    console.log(`load average ${loadAverage()} at the end`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
