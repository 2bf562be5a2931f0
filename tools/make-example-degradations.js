#!/usr/bin/env node
/**
 * Writes the example degradations of docs/training-data.md into docs/examples/: one 128x128 crop of a sample
 * photo, clean and degraded as the training stream degrades it (Gaussian noise sigma 25,
 * synthetic rain, synthetic haze, two pre-training inputs), with fixed mid-range parameters.
 *
 *   npm run build && node tools/make-example-degradations.js [--photo FILE --out docs/examples]
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const sharp = require('sharp');
const yargs = require('yargs');
const { Rng, addGaussianNoise, addRain, addHaze, pretrainCorrupt } = require('@dynet/train');

const ROOT = path.resolve(__dirname, '..');
const args = yargs(process.argv.slice(2))
  .option('photo', { type: 'string', default: path.resolve(ROOT, '..', 'shared', 'datasets', 'photos', 'lomiri_aitzgorri_by_Aitzol_Berasategi.png') })
  .option('out', { type: 'string', default: path.join(ROOT, 'docs', 'examples') })
  .option('scale', { type: 'number', default: 256, describe: 'the photo is first scaled to this height' })
  .option('x', { type: 'number', default: 150 })
  .option('y', { type: 'number', default: 40 })
  .option('seed', { type: 'number', default: 1 })
  .strict()
  .parseSync();

const N = 128;
const RAIN = { angle: 12, length: 28, density: 0.006, brightness: 0.5, width: 0.4 };
const HAZE = { beta: 1.2, airlight: [0.86, 0.87, 0.9], gradient: 0.5, cells: 3 };
const PRETRAIN_JPEG = { kind: 'jpeg', level: 15, region: [0, 24, 128, 64], maskPatch: 8, maskFraction: 0.3 };
const PRETRAIN_NOISE = { kind: 'gaussian', level: 30, region: [32, 0, 64, 128], maskPatch: 8, maskFraction: 0.3 };

async function save(name, rgb) {
  await sharp(Buffer.from(rgb), { raw: { width: N, height: N, channels: 3 } }).png().toFile(path.join(args.out, name));
  console.log(`wrote ${path.relative(ROOT, path.join(args.out, name))}`);
}

(async () => {
  fs.mkdirSync(args.out, { recursive: true });
  const { data } = await sharp(args.photo).resize({ height: args.scale }).extract({ left: args.x, top: args.y, width: N, height: N }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const clean = new Uint8Array(data);
  const rng = (tag) => new Rng(args.seed, tag);
  await save('clean.png', clean);
  await save('noise-sigma25.png', addGaussianNoise(clean, 25, rng(1)));
  await save('rain.png', addRain(clean, N, N, RAIN, rng(2)));
  await save('haze.png', addHaze(clean, N, N, HAZE, rng(3)));
  await save('pretrain-jpeg.png', await pretrainCorrupt(clean, N, PRETRAIN_JPEG, rng(4)));
  await save('pretrain-noise.png', await pretrainCorrupt(clean, N, PRETRAIN_NOISE, rng(5)));
})().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
