#!/usr/bin/env node
/**
 * The bundled model's recipe pilot: trains each candidate setting (preset width, crop, batch,
 * learning rate, task mix) for the same wall-clock budget from the same start, then scores it
 * on held-out photos (denoising at sigma 25 beside non-local means, synthetic rain and haze), so
 * settings compare by held-out PSNR per CPU-hour. Each run's steps are set from its own speed,
 * measured by a short probe run first, so that every run ends its full warm-up + cosine schedule
 * within the budget. Results go to OUT/pilot.json (a finished setting is not run again) and a
 * Markdown table on stdout.
 *
 *   node tools/train-pilot.js --data datasets/collection/train --heldout datasets/collection/heldout \
 *     --minutes 6 --out runs/pilot [--only A C] [--threads 2]
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
  .option('minutes', { type: 'number', default: 6, describe: 'training wall-clock budget per setting' })
  .option('out', { type: 'string', demandOption: true })
  .option('only', { type: 'string', array: true, describe: 'run only these settings (ids)' })
  .option('threads', { type: 'number', default: 2 })
  .option('seed', { type: 'number', default: 0 })
  .strict()
  .parseSync();

const dynet = (a, opts = {}) => execFileSync(process.execPath, [DYNET, ...a], { encoding: 'utf8', maxBuffer: 1 << 26, ...opts });
const trainArgs = (s, out, steps, logEvery = 10) => [
  'train', 'finetune', '--preset', s.preset, '--data', args.data, '--task', s.task, '--crop', String(s.crop), '--batch', String(s.batch),
  '--lr', String(s.lr), '--steps', String(steps), '--warmup', String(Math.max(1, Math.round(steps / 20))), '--threads', String(args.threads),
  '--seed', String(args.seed), '--checkpoint-every', '1000000', '--log-every', String(logEvery), '--out', out,
];

/** Seconds per step of a setting: a 16-step run, timed over its last 8 steps from the log. */
function probeSeconds(s, dir) {
  fs.rmSync(dir, { recursive: true, force: true });
  dynet(trainArgs(s, dir, 16, 1));
  const log = fs.readFileSync(path.join(dir, 'train-log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const at = (step) => log.find((r) => r.step === step).elapsed;
  return (at(15) - at(7)) / 8;
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
  const results = fs.existsSync(resultsFile) ? JSON.parse(fs.readFileSync(resultsFile, 'utf8')) : { machine: cpuDescription(), minutes: args.minutes, rows: {} };
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
    const seconds = probeSeconds(s, path.join(args.out, `${s.id}-probe`));
    const steps = Math.max(20, Math.floor((args.minutes * 60) / seconds));
    process.stderr.write(`pilot ${s.id} (${s.what}): ${seconds.toFixed(2)} s/step -> ${steps} steps\n`);
    fs.rmSync(run, { recursive: true, force: true });
    const t0 = Date.now();
    const r = spawnSync(process.execPath, [DYNET, ...trainArgs(s, run, steps)], { stdio: ['ignore', 'ignore', 'inherit'] });
    if (r.status !== 0) throw new Error(`setting ${s.id}: training failed`);
    const minutes = (Date.now() - t0) / 60000;
    results.rows[s.id] = { ...s, secondsPerStep: seconds, steps, trainMinutes: minutes, ...evaluate(s, run) };
    save();
  }
  const rows = SETTINGS.map((s) => results.rows[s.id]).filter(Boolean);
  const b = results.baselines;
  const f = (x) => x.toFixed(2);
  console.log(`Pilot: ${results.minutes} min of training per setting from the seed-${args.seed} initialisation; ${results.machine}.`);
  console.log(`Held-out (${args.heldout}) PSNR in dB; sigma 25 NLM ${f(b.nlm25)}, noisy ${f(b.noisy25)}; rain input ${f(b.rainInput)}; haze input ${f(b.hazeInput)}\n`);
  console.log('| setting | s/step | steps | train min | sigma 25 | rain | haze |');
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  console.log(`| model bundled before (S only, 8400 steps on datasets/photos) | | | | ${f(results.bundled.sigma25)} | ${f(results.bundled.rain)} | ${f(results.bundled.haze)} |`);
  for (const r of rows) console.log(`| ${r.id}: ${r.what} | ${r.secondsPerStep.toFixed(2)} | ${r.steps} | ${r.trainMinutes.toFixed(1)} | ${f(r.sigma25)} | ${f(r.rain)} | ${f(r.haze)} |`);
}

main();
