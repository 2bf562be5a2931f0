#!/usr/bin/env node
/**
 * Scores a model folder on held-out photos: denoising at sigma 15, 25 and 50 beside
 * scikit-image's non-local means on the same noisy images, and synthetic rain and haze; each
 * beside the degraded input's PSNR. The held-out photos are whole collections that training
 * never saw (datasets/collection/heldout, by source); `--holdout F` instead keeps the F share
 * of `--photos` by file-name hash, as `dynet train --holdout F` does.
 *
 *   node tools/eval-bundled.js [--model DIR] [--variant S|L] [--photos DIR] [--holdout 0]
 *                              [--sigmas 15 25 50] [--tasks denoise derain dehaze] [--json]
 */
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const yargs = require('yargs');
const train = require('@dynet/train');
const { syntheticPairs } = require('./synthetic-pairs');

const ROOT = path.resolve(__dirname, '..');
const args = yargs(process.argv.slice(2))
  .option('model', { type: 'string', describe: 'model folder (default: the bundled model)' })
  .option('variant', { choices: ['S', 'L'], default: 'S' })
  .option('photos', { type: 'string', default: path.join(ROOT, 'datasets/collection/heldout'), describe: 'held-out photos (recursive)' })
  .option('holdout', { type: 'number', default: 0, describe: 'score only this share of --photos, by file-name hash (0: all)' })
  .option('sigmas', { type: 'number', array: true, default: [15, 25, 50] })
  .option('tasks', { type: 'string', array: true, choices: ['denoise', 'derain', 'dehaze'], default: ['denoise', 'derain', 'dehaze'] })
  .option('nlm', { type: 'boolean', default: true, describe: 'run the non-local-means baseline' })
  .option('identity', { type: 'boolean', default: true, describe: 'also score the degraded inputs themselves' })
  .option('seed', { type: 'number', default: 0 })
  .option('json', { type: 'boolean', default: false })
  .strict()
  .parseSync();

const dynet = (...a) => JSON.parse(execFileSync(process.execPath, [path.join(ROOT, 'packages/cli/bin/dynet.js'), ...a], { encoding: 'utf8', maxBuffer: 1 << 26 }));

async function main() {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'dynet-eval-bundled-'));
  try {
    const all = train.listImages(args.photos);
    const held = args.holdout > 0 ? train.splitHoldout(all, args.holdout).holdout : all;
    const clean = path.join(work, 'clean');
    fs.mkdirSync(clean);
    for (const f of held) {
      const to = path.join(clean, path.basename(f));
      if (fs.existsSync(to)) throw new Error(`${f}: another held-out photo has the name ${path.basename(f)}`);
      fs.copyFileSync(f, to);
    }
    const model = [...(args.model ? ['--model', args.model] : []), '--variant', args.variant];
    const results = { images: held.map((f) => path.relative(args.photos, f)), variant: args.variant, denoise: {}, derain: {}, dehaze: {} };
    if (args.tasks.includes('denoise')) {
      for (const sigma of args.sigmas) {
        const common = ['eval', '--task', 'denoise', '--sigma', String(sigma), '--seed', String(args.seed), '--data', clean, '--json'];
        const ours = dynet(...common, ...model);
        const noisy = args.identity ? dynet(...common, '--identity') : null;
        const order = ours.rows.map((r) => path.join(clean, r.name));
        const nlm = args.nlm
          ? JSON.parse(execFileSync('/usr/bin/python3', [path.join(__dirname, 'nlm_baseline.py'), String(sigma), String(args.seed), ...order], { encoding: 'utf8', maxBuffer: 1 << 26 })).mean
          : null;
        results.denoise[sigma] = { dynet: ours.mean, nlm, noisy: noisy?.mean ?? null };
      }
    }
    for (const [task, kind] of [['derain', 'rain'], ['dehaze', 'haze']]) {
      if (!args.tasks.includes(task)) continue;
      const dir = path.join(work, task);
      await syntheticPairs(dir, held, kind, args.seed);
      const degraded = args.identity ? dynet('eval', '--task', task, '--data', dir, '--json', '--identity').mean : null;
      results[task] = { dynet: dynet('eval', '--task', task, '--data', dir, '--json', ...model).mean, degraded };
    }
    if (args.json) return console.log(JSON.stringify(results));
    const f = (m) => (m ? `${m.psnr.toFixed(2)} dB / ${m.ssim.toFixed(4)}` : 'not run');
    console.log(`held-out photos: ${held.length} under ${args.photos}${args.holdout > 0 ? ` (${args.holdout * 100}% by file-name hash)` : ''}; DyNet-${args.variant}`);
    for (const [sigma, r] of Object.entries(results.denoise)) {
      console.log(`denoise sigma ${sigma}: DyNet ${f(r.dynet)} | NLM ${f(r.nlm)} | noisy input ${f(r.noisy)}`);
    }
    for (const task of ['derain', 'dehaze']) if (results[task].dynet) console.log(`${task} (synthetic): DyNet ${f(results[task].dynet)} | degraded input ${f(results[task].degraded)}`);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(`eval-bundled: ${err.message}`);
  process.exit(1);
});
