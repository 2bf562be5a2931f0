#!/usr/bin/env node
/**
 * Times a full training step (gradients and AdamW) of DyNet at a batch and crop size on
 * onnxruntime-node CPU: the fused single-graph step and the split training + optimizer
 * graphs. Prints medians, FLOPs, GFLOP/s, peak RSS, the share of a step that moving the
 * parameters and moments between JavaScript and the runtime costs, and the step as a multiple
 * of the floor that this machine's fp32 peak (measured in the same run) sets for 3x the
 * forward's FLOPs, and beside the same step in PyTorch (tools/dynet_torch.py: AdamW, L1 on the
 * clamped output, same shapes and threads) timed in the same run when Debian's python3-torch is
 * installed.
 *
 *   npm run bench:train [-- --variant S --batch 4 --size 128 --runs 3 --threads 2 --preset full --recompute --no-nchwc]
 */
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const ort = require('onnxruntime-node');
const yargs = require('yargs');
const g = require('@dynet/graph');
const { TrainingSession, nchwcBlockSize, writeArtifacts } = require('@dynet/train');
const { cpuDescription, measurePeak, runTorchTool, timeRuns, torchMissing } = require('./bench-util');

const args = yargs(process.argv.slice(2))
  .option('variant', { choices: ['S', 'L'], default: 'S' })
  .option('preset', { choices: ['full', 'small'], default: 'full' })
  .option('batch', { type: 'number', default: 4 })
  .option('size', { type: 'number', default: 128 })
  .option('runs', { type: 'number', default: 3 })
  .option('threads', { type: 'number', default: 2 })
  .option('split', { type: 'boolean', default: true, describe: 'also time the split training + optimizer graphs' })
  .option('peer', { type: 'boolean', default: true, describe: 'time the same step in PyTorch (needs python3-torch)' })
  .option('recompute', { type: 'boolean', default: false, describe: 'training graphs that recompute each transformer block in the backward pass (train --recompute)' })
  .option('nchwc', { type: 'boolean', default: true, describe: "build the gradients for ONNX Runtime's CPU NCHWc kernels, as train does on the CPU (--no-nchwc: standard ops only)" })
  .strict()
  .parseSync();

/** Seconds to pass every parameter and moment in and out of the runtime once, as a step does. */
async function transferSeconds(dir, trained) {
  const graph = new g.Graph();
  for (const { name, shape } of trained) {
    for (const suffix of ['', '.exp_avg', '.exp_avg_sq']) graph.output(g.ops.identity(graph.input(name + suffix, 'float32', shape)), `${name}${suffix}.out`);
  }
  const file = path.join(dir, 'transfer.onnx');
  fs.writeFileSync(file, g.serializeGraph(graph, { metadata: {}, producerVersion: g.VERSION }));
  const session = await ort.InferenceSession.create(file, { intraOpNumThreads: args.threads });
  const feeds = {};
  for (const { name, shape } of trained) {
    const n = shape.reduce((a, b) => a * b, 1);
    for (const suffix of ['', '.exp_avg', '.exp_avg_sq']) feeds[name + suffix] = new ort.Tensor('float32', new Float32Array(n), shape);
  }
  const seconds = await timeRuns(() => session.run(feeds), args.runs);
  await session.release();
  return seconds;
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dynet-bench-train-'));
  try {
    const config = g.presetConfig(args.preset);
    const shape = { batch: args.batch, height: args.size, width: args.size };
    const weights = g.initParameters(g.dynetParameterSpecs(config), 0);
    const nchwcBlock = args.nchwc ? await nchwcBlockSize() : 0;
    const t0 = Date.now();
    const manifest = writeArtifacts({ config, variant: args.variant, loss: 'l1-clamped', shape, hyper: g.ADAMW_DEFAULTS, weights, outDir: dir, fused: true, recompute: args.recompute, nchwcBlock });
    console.log(`artifacts written in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const peak = await measurePeak(dir, { intraOpNumThreads: args.threads }, args.runs);
    const macs = g.graphCost(g.buildDynet(config, args.variant, g.REFERENCE_BUILD), { N: args.batch, H: args.size, W: args.size }).macs;
    const forwardFlops = 2 * macs;
    const floor = (3 * forwardFlops) / (peak * 1e9);
    const n = args.batch * 3 * args.size * args.size;
    const input = Float32Array.from({ length: n }, (_, i) => (i % 251) / 251);
    const target = Float32Array.from({ length: n }, (_, i) => (i % 241) / 241);
    console.log(`machine: ${cpuDescription()}`);
    console.log(`DyNet-${args.variant} (${args.preset}) batch ${args.batch}, ${args.size}x${args.size}, onnxruntime-node CPU, ${args.threads} threads${args.recompute ? ", blocks recomputed (--recompute)" : ""}, ${nchwcBlock ? `NCHWc kernels (block ${nchwcBlock})` : 'standard ops only'}`);
    console.log(`fp32 peak ${peak.toFixed(1)} GFLOP/s; forward ${(forwardFlops / 1e9).toFixed(1)} GFLOP; floor (3x forward at peak) ${floor.toFixed(2)} s`);
    const report = (label, seconds) =>
      console.log(`${label}: median ${seconds.toFixed(2)} s | ${((3 * forwardFlops) / seconds / 1e9).toFixed(1)} GFLOP/s (3x forward) | ${(seconds / floor).toFixed(2)}x the floor`);
    const fused = await TrainingSession.open(dir, { threads: args.threads, fused: true });
    const fusedSeconds = await timeRuns(() => fused.fusedStep(input, target, 2e-4), args.runs, 2);
    await fused.release();
    report('fused step (forward, backward, AdamW in one graph)', fusedSeconds);
    if (args.split) {
      const split = await TrainingSession.open(dir, { threads: args.threads });
      const splitSeconds = await timeRuns(async () => {
        await split.trainStep(input, target);
        await split.optimizerStep(2e-4);
      }, args.runs, 2);
      await split.release();
      report('split step (training graph, then optimizer graph)', splitSeconds);
    }
    const ourRss = process.resourceUsage().maxRSS / 1024 / 1024;
    const noTorch = args.peer ? torchMissing() : 'skipped (--no-peer)';
    if (noTorch) console.log(`PyTorch step: peer not measured (${noTorch})`);
    else {
      const steps = args.runs + 2;
      const peer = runTorchTool(['bench-train', '--variant', args.variant, '--preset', args.preset, '--batch', String(args.batch), '--size', String(args.size),
        '--threads', String(args.threads), '--steps', String(steps), '--warmup', '2']);
      const peerSeconds = peer.median_ms / 1000;
      console.log(`PyTorch ${peer.torch} step (same run, median of ${steps - 2} after 2 warm-ups): ${peerSeconds.toFixed(2)} s, peak RSS ${(peer.peak_rss_mib / 1024).toFixed(2)} GB | ` +
        `ours/PyTorch: fused ${(fusedSeconds / peerSeconds).toFixed(2)}x`);
    }
    const transfer = await transferSeconds(dir, manifest.trained);
    console.log(`moving params and moments in and out once: ${transfer.toFixed(3)} s = ${((100 * transfer) / fusedSeconds).toFixed(1)}% of the fused step`);
    console.log(`peak RSS ${ourRss.toFixed(2)} GB (this process, before the transfer probe)`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(`bench: ${err.message}`);
  process.exit(1);
});
