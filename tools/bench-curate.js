#!/usr/bin/env node
/**
 * Times `dynet data curate` at 1024x1024 inputs: images/s with 2 worker threads and, in the same
 * run, the 1-worker baseline. Inputs are the sample photos resized to 1024x1024 (cover crop); the
 * quality thresholds are opened (--all-pass) so that every image runs every stage: decode, NIQE,
 * blur, blockiness, 4 patches through the flat detector, PNG encoding and atomic writes. Prints
 * the median of several runs, each into a fresh output folder.
 *
 *   npm run build && node tools/bench-curate.js [--images 24 --runs 3 --workers 2 --defaults]
 */
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const sharp = require('sharp');
const yargs = require('yargs');
const { curate } = require('@dynet/train');

const args = yargs(process.argv.slice(2))
  .option('images', { type: 'number', default: 24 })
  .option('runs', { type: 'number', default: 3 })
  .option('workers', { type: 'number', default: 2 })
  .option('size', { type: 'number', default: 1024 })
  .option('defaults', { type: 'boolean', default: false, describe: 'keep the default thresholds instead of opening them' })
  .option('photos', { type: 'string', default: path.resolve(__dirname, '..', '..', 'shared', 'datasets', 'photos') })
  .strict()
  .parseSync();

const { median } = require('./bench-util');
const OPEN = { niqeMax: 1e9, blurMax: 1, blockinessMax: 1e9, maxFlat: 1 };

async function makeInputs(dir) {
  const photos = fs.readdirSync(args.photos).filter((f) => f.endsWith('.png')).sort();
  for (let i = 0; i < args.images; i++) {
    const src = path.join(args.photos, photos[(i * 7) % photos.length]);
    await sharp(src).resize(args.size, args.size, { fit: 'cover', kernel: 'lanczos3' }).png().toFile(path.join(dir, `img${String(i).padStart(3, '0')}.png`));
  }
}

async function timeRuns(inDir, workers) {
  const rates = [];
  for (let r = 0; r < args.runs; r++) {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'dynet-bench-out-'));
    const settings = args.defaults ? {} : OPEN;
    const res = await curate({ inputs: [inDir], out, workers, settings });
    rates.push(res.processed / res.seconds);
    fs.rmSync(out, { recursive: true, force: true });
  }
  return rates;
}

(async () => {
  const inDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dynet-bench-in-'));
  try {
    await makeInputs(inDir);
    console.log(`${args.images} images ${args.size}x${args.size}, patch 512, ${args.defaults ? 'default thresholds' : 'thresholds opened (every stage runs)'}, ${os.cpus().length} CPUs (${os.cpus()[0].model}), median of ${args.runs} runs`);
    await timeRuns(inDir, 1); // warm-up: file cache, JIT
    for (const w of [1, args.workers]) {
      const rates = await timeRuns(inDir, w);
      console.log(`${w} worker${w > 1 ? 's' : ''}: ${median(rates).toFixed(2)} images/s (runs: ${rates.map((x) => x.toFixed(2)).join(', ')})`);
    }
  } finally {
    fs.rmSync(inDir, { recursive: true, force: true });
  }
})().catch((err) => {
  console.error(`bench-curate: ${err.message}`);
  process.exit(1);
});
