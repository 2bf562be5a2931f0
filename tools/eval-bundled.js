#!/usr/bin/env node
/**
 * Scores a model folder on the held-out photos (the 15% by file-name hash that training never
 * saw): denoising at sigma 15, 25 and 50 beside scikit-image's non-local means on the same noisy
 * images, and synthetic rain and haze; each beside the degraded input's PSNR.
 *
 *   node tools/eval-bundled.js [--model DIR] [--photos datasets/photos] [--holdout 0.15] [--json]
 */
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const sharp = require('sharp');
const yargs = require('yargs');
const train = require('@dynet/train');

const ROOT = path.resolve(__dirname, '..');
const args = yargs(process.argv.slice(2))
  .option('model', { type: 'string', describe: 'model folder (default: the bundled model)' })
  .option('photos', { type: 'string', default: path.join(ROOT, 'datasets/photos') })
  .option('holdout', { type: 'number', default: 0.15 })
  .option('seed', { type: 'number', default: 0 })
  .option('json', { type: 'boolean', default: false })
  .strict()
  .parseSync();

const dynet = (...a) => JSON.parse(execFileSync(process.execPath, [path.join(ROOT, 'packages/cli/bin/dynet.js'), ...a], { encoding: 'utf8', maxBuffer: 1 << 26 }));

/** degraded/ and clean/ folders of synthetic rain or haze made from the held-out photos */
async function syntheticPairs(dir, files, kind) {
  for (const sub of ['degraded', 'clean']) fs.mkdirSync(path.join(dir, sub), { recursive: true });
  for (const [i, f] of files.entries()) {
    const { data, info } = await sharp(f).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
    const rng = new train.Rng(args.seed, i, kind === 'rain' ? 1 : 2);
    const img = new Uint8Array(data.buffer, data.byteOffset, data.length);
    const out = kind === 'rain'
      ? train.addRain(img, info.width, info.height, train.drawRainParams(rng), rng)
      : train.addHaze(img, info.width, info.height, train.drawHazeParams(rng), rng);
    const name = path.basename(f);
    const raw = { raw: { width: info.width, height: info.height, channels: 3 } };
    await sharp(Buffer.from(out), raw).png().toFile(path.join(dir, 'degraded', name));
    await sharp(Buffer.from(img), raw).png().toFile(path.join(dir, 'clean', name));
  }
}

async function main() {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'dynet-eval-bundled-'));
  try {
    const held = train.splitHoldout(train.listImages(args.photos), args.holdout).holdout;
    const clean = path.join(work, 'clean');
    fs.mkdirSync(clean);
    for (const f of held) fs.copyFileSync(f, path.join(clean, path.basename(f)));
    const model = args.model ? ['--model', args.model] : [];
    const results = { images: held.map((f) => path.basename(f)), denoise: {}, derain: {}, dehaze: {} };
    for (const sigma of [15, 25, 50]) {
      const common = ['eval', '--task', 'denoise', '--sigma', String(sigma), '--seed', String(args.seed), '--data', clean, '--json'];
      const ours = dynet(...common, ...model);
      const noisy = dynet(...common, '--identity');
      const order = ours.rows.map((r) => path.join(clean, r.name));
      const nlm = JSON.parse(execFileSync('/usr/bin/python3', [path.join(__dirname, 'nlm_baseline.py'), String(sigma), String(args.seed), ...order], { encoding: 'utf8', maxBuffer: 1 << 26 }));
      results.denoise[sigma] = { dynet: ours.mean, nlm: nlm.mean, noisy: noisy.mean };
    }
    for (const [task, kind] of [['derain', 'rain'], ['dehaze', 'haze']]) {
      const dir = path.join(work, task);
      await syntheticPairs(dir, held, kind);
      results[task] = { dynet: dynet('eval', '--task', task, '--data', dir, '--json', ...model).mean, degraded: dynet('eval', '--task', task, '--data', dir, '--json', '--identity').mean };
    }
    if (args.json) return console.log(JSON.stringify(results));
    const f = (m) => `${m.psnr.toFixed(2)} dB / ${m.ssim.toFixed(4)}`;
    console.log(`held-out photos: ${held.length} (${args.holdout * 100}% by file-name hash)`);
    for (const sigma of [15, 25, 50]) {
      const r = results.denoise[sigma];
      console.log(`denoise sigma ${sigma}: DyNet ${f(r.dynet)} | NLM ${f(r.nlm)} | noisy input ${f(r.noisy)}`);
    }
    for (const task of ['derain', 'dehaze']) console.log(`${task} (synthetic): DyNet ${f(results[task].dynet)} | degraded input ${f(results[task].degraded)}`);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(`eval-bundled: ${err.message}`);
  process.exit(1);
});
