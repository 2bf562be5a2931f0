#!/usr/bin/env node
/**
 * Steps/s of DyNet-S, DyNet-L and dynamic training (each step draws S or L, one shared weight
 * store) on onnxruntime-node CPU, as `dynet train pretrain` runs them (fused step, L1, Adam),
 * and, beside them, the pre-training data stream's batches/s at the same batch and crop.
 * A dynamic step should cost the mean of an S and an L step; the saving against training S,
 * then L, for the same number of steps each is 1 - t_dynamic / (t_S + t_L).
 *
 *   npm run build && node tools/bench-train-variants.js [--preset small --preset full --batch 1 --size 128 --runs 3 --rounds 2]
 *
 * Figures are means of per-step seconds (S, L and dynamic steps interleaved in rounds).
 */
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const yargs = require('yargs');
const g = require('@dynet/graph');
const { TrainingSession, writeArtifacts, lossOf, drawVariant, openBatchStream } = require('@dynet/train');

const args = yargs(process.argv.slice(2))
  .option('preset', { type: 'string', array: true, choices: ['small', 'full'], default: ['small', 'full'] })
  .option('batch', { type: 'number', default: 1 })
  .option('size', { type: 'number', default: 128 })
  .option('runs', { type: 'number', default: 3, describe: 'timed steps per variant and round; dynamic takes twice as many' })
  .option('rounds', { type: 'number', default: 2 })
  .option('threads', { type: 'number', default: 2 })
  .option('photos', { type: 'string', default: path.resolve(__dirname, '..', 'datasets', 'photos') })
  .option('batches', { type: 'number', default: 200, describe: 'data batches timed (after as many again to warm up)' })
  .strict()
  .parseSync();

const seconds = (t0) => Number(process.hrtime.bigint() - t0) / 1e9;

/** S and L training sessions over one parameter store, as dynamic pre-training opens them. */
async function openPair(dir, config) {
  const weights = g.initParameters(g.dynetParameterSpecs(config), 0);
  const common = { config, loss: lossOf('pretrain'), shape: { batch: args.batch, height: args.size, width: args.size }, hyper: { ...g.ADAMW_DEFAULTS, weightDecay: 0 }, weights, fused: true };
  writeArtifacts({ ...common, variant: 'S', outDir: path.join(dir, 's') });
  writeArtifacts({ ...common, variant: 'L', outDir: path.join(dir, 'l'), checkpoint: false });
  const S = await TrainingSession.open(path.join(dir, 's'), { threads: args.threads, fused: true });
  const L = await TrainingSession.open(path.join(dir, 'l'), { threads: args.threads, fused: true, store: S.store });
  return { S, L };
}

/**
 * Seconds per step: `rounds` rounds of `runs` S steps, `runs` L steps and 2 x `runs` dynamic steps
 * (each drawn as `dynet train pretrain` draws it), after 3 warm-up steps per session (the first
 * steps of a session fault in its memory). Rounds alternate the blocks so drift hits all three.
 */
async function stepSeconds(sessions, input, target) {
  const times = { S: [], L: [], dynamic: [] };
  const timed = async (v, into) => {
    const t0 = process.hrtime.bigint();
    await sessions[v].fusedStep(input, target, 1e-4);
    into.push(seconds(t0));
  };
  for (let i = 0; i < 3; i++) for (const v of ['S', 'L']) await sessions[v].fusedStep(input, target, 1e-4);
  let step = 0;
  const drawn = [];
  for (let round = 0; round < args.rounds; round++) {
    const blocks = [
      async () => { for (let i = 0; i < args.runs; i++) await timed('S', times.S); },
      async () => { for (let i = 0; i < args.runs; i++) await timed('L', times.L); },
      async () => {
        for (let i = 0; i < 2 * args.runs; i++, step++) {
          drawn.push(drawVariant(0, step, 0.5));
          await timed(drawn[drawn.length - 1], times.dynamic);
        }
      },
    ];
    for (let b = 0; b < 3; b++) await blocks[(b + round) % 3]();
  }
  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return { S: mean(times.S), L: mean(times.L), dynamic: mean(times.dynamic), sShare: drawn.filter((v) => v === 'S').length / drawn.length };
}

async function dataBatchesPerSecond() {
  const stream = await openBatchStream({ task: 'pretrain', clean: [args.photos], workers: 2, batch: args.batch, crop: args.size, seed: 0 }, 0);
  try {
    for (let i = 0; i < args.batches; i++) await stream.next();
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < args.batches; i++) await stream.next();
    return args.batches / seconds(t0);
  } finally {
    await stream.close();
  }
}

async function main() {
  console.log(`onnxruntime-node CPU, ${args.threads} threads, batch ${args.batch}, ${args.size}x${args.size}; fused step (L1, Adam)`);
  const dataRate = await dataBatchesPerSecond();
  console.log(`pre-training data stream (2 workers, alone on the machine): ${dataRate.toFixed(1)} batches/s`);
  const n = args.batch * 3 * args.size * args.size;
  const input = Float32Array.from({ length: n }, (_, i) => (i % 251) / 251);
  const target = Float32Array.from({ length: n }, (_, i) => (i % 241) / 241);
  for (const preset of args.preset) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dynet-bench-variants-'));
    try {
      const sessions = await openPair(dir, g.presetConfig(preset));
      const { S: tS, L: tL, dynamic: tD, sShare } = await stepSeconds(sessions, input, target);
      const expected = sShare * tS + (1 - sShare) * tL;
      const rate = (t) => `${(1 / t).toFixed(3)} steps/s (${t.toFixed(2)} s)`;
      console.log(`${preset}: S ${rate(tS)} | L ${rate(tL)} | dynamic ${rate(tD)}, ${(100 * sShare).toFixed(0)}% S steps`);
      console.log(`  dynamic step / mean of S and L at the drawn mix: ${(tD / expected).toFixed(3)}; / plain mean (t_S + t_L) / 2: ${(tD / ((tS + tL) / 2)).toFixed(3)}`);
      console.log(`  saving against S then L (same steps each): ${(100 * (1 - tD / (tS + tL))).toFixed(1)}% of the time; one weight set instead of two`);
      console.log(`  data stream / step rate: ${(dataRate * Math.min(tS, tL, tD)).toFixed(0)}x (fastest step)`);
      await sessions.S.release();
      await sessions.L.release();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024 / 1024).toFixed(2)} GB`);
}

main().catch((err) => {
  console.error(`bench-train-variants: ${err.message}`);
  process.exit(1);
});
