#!/usr/bin/env node
/**
 * Times DyNet-S and DyNet-L at 1x3x256x256 on onnxruntime-node CPU (2 intra-op threads) and
 * relates them to this machine's fp32 peak, measured in the same run as a large MatMul in the
 * same runtime, and to two peers timed in the same run: our reference build (op for op as the
 * authors' code) and, when Debian's python3-torch is installed, the graph torch.onnx.export
 * makes of the independent PyTorch implementation (tools/dynet_torch.py). Prints medians of
 * several runs after a warm-up, and the CPU's vector ISA (the ratios move with it).
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
const { cpuDescription, measurePeak, runTorchTool, timeRuns, torchMissing } = require('./bench-util');

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
    const noTorch = torchMissing();
    console.log(`machine: ${cpuDescription()}; onnxruntime-node ${require('onnxruntime-node/package.json').version}, ${args.threads} intra-op threads`);
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
      let ref = ` | torch export: peer not measured (${noTorch})`;
      if (!noTorch) {
        const file = path.join(dir, `torch-${variant}.onnx`);
        runTorchTool(['bench-export', '--variant', variant, '--preset', 'full', '--size', String(s), '--threads', String(args.threads), '--out', file]);
        const peer = await ort.InferenceSession.create(file, sessionOptions);
        const peerSeconds = await timeRuns(() => peer.run({ input }), args.runs);
        await peer.release();
        ref = ` | torch export ${peerSeconds.toFixed(3)} s, ratio ${(seconds / peerSeconds).toFixed(2)}x`;
      }
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
