#!/usr/bin/env node
/**
 * Times DyNet-S and DyNet-L at 1x3x256x256 on onnxruntime-node CPU (2 intra-op threads) and
 * relates them to this machine's fp32 peak, measured in the same run as a large MatMul in the
 * same runtime. Prints medians of several runs after a warm-up.
 *
 *   npm run bench [-- --runs 5 --size 256 --threads 2 --weights FILE]
 */
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const ort = require('onnxruntime-node');
const yargs = require('yargs');
const g = require('@dynet/graph');
const { measurePeak, timeRuns } = require('./bench-util');

// The authors' network exported by torch.onnx.export (opset 17), same setting, this 2-core machine.
const PYTORCH_EXPORT_SECONDS = { S: 2.31, L: 3.46 };

const args = yargs(process.argv.slice(2))
  .option('runs', { type: 'number', default: 5 })
  .option('size', { type: 'number', default: 256 })
  .option('threads', { type: 'number', default: 2 })
  .option('weights', { type: 'string', describe: 'checkpoint to export (default: seeded init)' })
  .strict()
  .parseSync();

const sessionOptions = { intraOpNumThreads: args.threads, interOpNumThreads: 1, graphOptimizationLevel: 'all' };

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dynet-bench-'));
  try {
    const specs = g.dynetParameterSpecs(g.FULL);
    const weights = args.weights ? g.loadParameters(args.weights, specs) : g.initParameters(specs, 0);
    g.exportDynet({ config: g.FULL, variants: ['S', 'L'], outDir: dir, weights, source: 'bench' });
    // Baseline in the same run: the reference build, op for op as the authors' PyTorch code.
    const refDir = path.join(dir, 'reference');
    g.exportDynet({ config: g.FULL, variants: ['S', 'L'], outDir: refDir, weights, source: 'bench', build: g.REFERENCE_BUILD });
    const peak = await measurePeak(dir, sessionOptions, args.runs);
    console.log(`machine: ${os.cpus()[0].model}, ${os.cpus().length} cores; onnxruntime-node ${require('onnxruntime-node/package.json').version}, ${args.threads} intra-op threads`);
    console.log(`fp32 peak (2048^3 MatMul): ${peak.toFixed(1)} GFLOP/s`);
    const s = args.size;
    const input = new ort.Tensor('float32', Float32Array.from({ length: 3 * s * s }, (_, i) => (i % 255) / 255), [1, 3, s, s]);
    for (const variant of ['S', 'L']) {
      const baseline = await ort.InferenceSession.create(path.join(refDir, g.graphFileName(variant)), sessionOptions);
      const baselineSeconds = await timeRuns(() => baseline.run({ input }), args.runs);
      await baseline.release();
      const session = await ort.InferenceSession.create(path.join(dir, g.graphFileName(variant)), sessionOptions);
      const seconds = await timeRuns(() => session.run({ input }), args.runs);
      const macs = g.graphCost(g.buildDynet(g.FULL, variant, g.REFERENCE_BUILD), { N: 1, H: s, W: s }).macs;
      const gflops = (2 * macs) / seconds / 1e9;
      const ref = s === 256 ? ` | PyTorch export ${PYTORCH_EXPORT_SECONDS[variant].toFixed(2)} s, ratio ${(seconds / PYTORCH_EXPORT_SECONDS[variant]).toFixed(2)}x` : '';
      console.log(
        `DyNet-${variant} 1x3x${s}x${s}: median ${seconds.toFixed(3)} s of ${args.runs} | ${(macs / 1e9).toFixed(2)} GMACs | ` +
          `${gflops.toFixed(1)} GFLOP/s = ${((100 * gflops) / peak).toFixed(1)}% of peak | ` +
          `reference build ${baselineSeconds.toFixed(3)} s, ratio ${(seconds / baselineSeconds).toFixed(2)}x${ref}`,
      );
      await session.release();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(`bench: ${err.message}`);
  process.exit(1);
});
