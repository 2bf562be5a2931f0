#!/usr/bin/env node
/**
 * The bundled model's recipe pilot: trains each candidate setting (preset width, crop, batch,
 * learning rate, task mix) for the same compute budget from the same start, then scores it on
 * held-out photos (denoising at sigma 25, synthetic rain and haze, beside non-local means and
 * the model bundled before), so settings compare by held-out PSNR per CPU-hour. The budget is
 * counted in pixels, not wall-clock seconds, so a busy machine cannot skew it: `--steps` is
 * setting A's step count, and every setting gets as many steps as A's pixels allow (batch x
 * crop^2), divided by its preset's cost per pixel (FULL_COST_PER_PIXEL). Every run ends its full
 * warm-up + cosine schedule. Results go to OUT/pilot.json (a finished setting is not run again)
 * and a Markdown table on stdout.
 *
 *   node tools/train-pilot.js --data datasets/collection/train --heldout DIR --steps 300 --out runs/pilot [--only A C]
 */
'use strict';
const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const yargs = require('yargs');
const { cpuDescription } = require('./bench-util');

const ROOT = path.resolve(__dirname, '..');
const DYNET = path.join(ROOT, 'packages/cli/bin/dynet.js');

/** The candidates: A is the current recipe; each other row changes one thing. */
const SETTINGS = [
  { id: 'A', what: 'small, crop 64, batch 4, lr 4e-4, all-in-one (current recipe)', preset: 'small', crop: 64, batch: 4, lr: 4e-4, task: 'all-in-one' },
  { id: 'B', what: 'crop 128, batch 1 (same pixels per step)', preset: 'small', crop: 128, batch: 1, lr: 4e-4, task: 'all-in-one' },
  { id: 'C', what: 'batch 8', preset: 'small', crop: 64, batch: 8, lr: 4e-4, task: 'all-in-one' },
  { id: 'D', what: 'lr 1e-3', preset: 'small', crop: 64, batch: 4, lr: 1e-3, task: 'all-in-one' },
  { id: 'E', what: 'task mix: denoising only', preset: 'small', crop: 64, batch: 4, lr: 4e-4, task: 'denoise' },
  { id: 'F', what: 'full preset (the published width)', preset: 'full', crop: 64, batch: 4, lr: 2e-4, task: 'all-in-one' },
];

const args = yargs(process.argv.slice(2))
  .option('data', { type: 'string', demandOption: true, describe: 'training photos' })
  .option('heldout', { type: 'string', demandOption: true, describe: 'held-out photos (other sources)' })
  .option('steps', { type: 'number', default: 300, describe: 'steps of setting A; the others get the same pixel budget' })
  .option('out', { type: 'string', demandOption: true })
  .option('only', { type: 'string', array: true, describe: 'run only these settings (ids)' })
  .option('threads', { type: 'number', default: 2 })
  .option('seed', { type: 'number', default: 0 })
  .strict()
  .parseSync();

/**
 * Time per pixel of the full preset's training step over the small preset's: 23.5 s for batch 4
 * at 128x128 against 0.82 s for batch 4 at 64x64 (x4 pixels: 3.3 s), `npm run bench:train` on
 * the 2-core AVX-512 development machine; the forward FLOPs differ by 8.6x.
 */
const FULL_COST_PER_PIXEL = 7;

const dynet = (a, opts = {}) => execFileSync(process.execPath, [DYNET, ...a], { encoding: 'utf8', maxBuffer: 1 << 26, ...opts });
const trainArgs = (s, out, steps) => [
  'train', 'finetune', '--preset', s.preset, '--data', args.data, '--task', s.task, '--crop', String(s.crop), '--batch', String(s.batch),
  '--lr', String(s.lr), '--steps', String(steps), '--warmup', String(Math.max(1, Math.round(steps / 20))), '--threads', String(args.threads),
  '--seed', String(args.seed), '--checkpoint-every', '1000000', '--log-every', '10', '--out', out,
];

/** Steps of a setting under setting A's pixel budget. */
function stepsOf(s) {
  const a = SETTINGS[0];
  const cost = (x) => x.batch * x.crop * x.crop * (x.preset === 'full' ? FULL_COST_PER_PIXEL : 1);
  return Math.max(10, Math.round((args.steps * cost(a)) / cost(s)));
}

/** Held-out PSNRs of a model folder (the bundled one when `model` is undefined). */
function heldOutScores(model, withBaselines) {
  const flags = withBaselines ? [] : ['--no-nlm', '--no-identity'];
  const out = JSON.parse(execFileSync(process.execPath, [path.join(__dirname, 'eval-bundled.js'), ...(model ? ['--model', model] : []), '--photos', args.heldout, '--sigmas', '25', ...flags, '--json'], { encoding: 'utf8', maxBuffer: 1 << 26 }));
  const scores = { sigma25: out.denoise[25].dynet.psnr, rain: out.derain.dynet.psnr, haze: out.dehaze.dynet.psnr };
  if (!withBaselines) return scores;
  return { scores, baselines: { nlm25: out.denoise[25].nlm.psnr, noisy25: out.denoise[25].noisy.psnr, rainInput: out.derain.degraded.psnr, hazeInput: out.dehaze.degraded.psnr } };
}

function evaluate(s, run) {
  const model = path.join(run, 'model');
  dynet(['export', '--preset', s.preset, '--variant', 'S', '--weights', path.join(run, 'checkpoint.safetensors'), '-o', model]);
  return heldOutScores(model, false);
}

function main() {
  fs.mkdirSync(args.out, { recursive: true });
  const resultsFile = path.join(args.out, 'pilot.json');
  const results = fs.existsSync(resultsFile) ? JSON.parse(fs.readFileSync(resultsFile, 'utf8')) : { machine: cpuDescription(), steps: args.steps, rows: {} };
  const save = () => {
    fs.writeFileSync(`${resultsFile}.tmp`, `${JSON.stringify(results, null, 2)}\n`);
    fs.renameSync(`${resultsFile}.tmp`, resultsFile);
  };
  if (results.baselines === undefined) {
    // the degraded inputs, non-local means, and the model bundled before this pilot
    const { scores, baselines } = heldOutScores(undefined, true);
    results.baselines = baselines;
    results.bundled = scores;
    save();
  }
  for (const s of SETTINGS.filter((x) => !args.only || args.only.includes(x.id))) {
    if (results.rows[s.id]) continue;
    const run = path.join(args.out, s.id);
    const steps = stepsOf(s);
    process.stderr.write(`pilot ${s.id} (${s.what}): ${steps} steps\n`);
    fs.rmSync(run, { recursive: true, force: true });
    const t0 = Date.now();
    const r = spawnSync(process.execPath, [DYNET, ...trainArgs(s, run, steps)], { stdio: ['ignore', 'ignore', 'inherit'] });
    if (r.status !== 0) throw new Error(`setting ${s.id}: training failed`);
    const minutes = (Date.now() - t0) / 60000;
    results.rows[s.id] = { ...s, secondsPerStep: (minutes * 60) / steps, steps, trainMinutes: minutes, ...evaluate(s, run) };
    save();
  }
  const rows = SETTINGS.map((s) => results.rows[s.id]).filter(Boolean);
  const b = results.baselines;
  const f = (x) => x.toFixed(2);
  console.log(`Pilot: setting A's ${results.steps} steps' worth of pixels per setting, from the seed-${args.seed} initialisation; ${results.machine}.`);
  console.log(`Held-out (${args.heldout}) PSNR in dB; sigma 25 NLM ${f(b.nlm25)}, noisy ${f(b.noisy25)}; rain input ${f(b.rainInput)}; haze input ${f(b.hazeInput)}\n`);
  console.log('| setting | s/step | steps | train min | sigma 25 | rain | haze |');
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  console.log(`| model bundled before (S only, 8400 steps on datasets/photos) | | | | ${f(results.bundled.sigma25)} | ${f(results.bundled.rain)} | ${f(results.bundled.haze)} |`);
  for (const r of rows) console.log(`| ${r.id}: ${r.what} | ${r.secondsPerStep.toFixed(2)} | ${r.steps} | ${r.trainMinutes.toFixed(1)} | ${f(r.sigma25)} | ${f(r.rain)} | ${f(r.haze)} |`);
}

main();
