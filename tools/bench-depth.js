#!/usr/bin/env node
/**
 * What running DyNet-S and DyNet-L through dynet-any.onnx (reuse counts as an input, each
 * repeated block in an ONNX Loop) costs against the unrolled dynet-s.onnx and dynet-l.onnx,
 * timed in the same run on onnxruntime-node CPU: median seconds and the ratio per variant, and
 * the largest output difference. Interleaves the two graphs' runs so that a machine's drift
 * hits both alike. Issue 16's target: any at S's depth costs at most 1.05x dynet-s.onnx at 256x256.
 *
 *   node tools/bench-depth.js [--preset full] [--size 256] [--runs 5] [--threads 2]
 */
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const yargs = require('yargs');
const ort = require('onnxruntime-node');
const g = require('@dynet/graph');
const { median, cpuDescription, loadAverage } = require('./bench-util');

const args = yargs(process.argv.slice(2))
  .option('preset', { choices: ['full', 'small'], default: 'full' })
  .option('size', { type: 'number', default: 256 })
  .option('runs', { type: 'number', default: 5 })
  .option('threads', { type: 'number', default: 2 })
  .option('variants', { type: 'array', default: ['S', 'L'] })
  .strict()
  .parseSync();

async function main() {
  const config = g.presetConfig(args.preset);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dynet-bench-depth-'));
  try {
    g.exportDynet({ config, variants: ['S', 'L', 'any'], outDir: dir, weights: g.initParameters(g.dynetParameterSpecs(config), 0), source: 'seed 0' });
    const options = { intraOpNumThreads: args.threads, interOpNumThreads: 1, graphOptimizationLevel: 'all', enableMemPattern: false, logSeverityLevel: 3 };
    const n = 3 * args.size * args.size;
    const input = new ort.Tensor('float32', Float32Array.from({ length: n }, (_, i) => (i % 251) / 251), [1, 3, args.size, args.size]);
    const any = await ort.InferenceSession.create(path.join(dir, 'dynet-any.onnx'), options);
    console.log(`${cpuDescription()}; ${args.threads} threads; onnxruntime-node ${require('onnxruntime-node/package.json').version}; load ${loadAverage()}`);
    console.log(`${args.preset} preset, 1x3x${args.size}x${args.size}, median of ${args.runs} runs after a warm-up each, interleaved`);
    for (const variant of args.variants) {
      const fixed = await ort.InferenceSession.create(path.join(dir, g.graphFileName(variant)), options);
      const depth = new ort.Tensor('int64', BigInt64Array.from(config.reuse[variant].map(BigInt)), [4]);
      const runFixed = async () => (await fixed.run({ input })).output.data;
      const runAny = async () => (await any.run({ input, depth })).output.data;
      const a = await runFixed();
      const b = await runAny();
      let diff = 0;
      for (let i = 0; i < n; i++) diff = Math.max(diff, Math.abs(a[i] - b[i]));
      const tFixed = [];
      const tAny = [];
      for (let r = 0; r < args.runs; r++) {
        for (const [fn, into] of r % 2 ? [[runAny, tAny], [runFixed, tFixed]] : [[runFixed, tFixed], [runAny, tAny]]) {
          const t0 = process.hrtime.bigint();
          await fn();
          into.push(Number(process.hrtime.bigint() - t0) / 1e9);
        }
      }
      const [mf, ma] = [median(tFixed), median(tAny)];
      console.log(`DyNet-${variant} (depth ${config.reuse[variant].join(',')}): ${g.graphFileName(variant)} ${mf.toFixed(3)} s, ` +
        `dynet-any.onnx ${ma.toFixed(3)} s: ratio ${(ma / mf).toFixed(3)}x; max |diff| ${diff.toExponential(2)}`);
      await fixed.release();
    }
    await any.release();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(`bench-depth: ${e.message}`);
  process.exit(1);
});
