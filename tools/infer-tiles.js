#!/usr/bin/env node
/**
 * Tiling figures for issue 5, too slow for CI:
 *  - tiled (--tile/--overlap, the defaults) against whole-image restoration for DyNet-S of the
 *    FULL preset (reference checkpoint) at --full-size and of the SMALL preset at --small-size:
 *    max and mean absolute difference, PSNR of tiled against whole, and the seam figure (largest
 *    column-to-column step of the difference over its median; a hard tile edge shows up as >4);
 *  - peak RSS and time of `dynet restore` on a --rss-size square PNG with DyNet-S (FULL),
 *    measured by /usr/bin/time around the command.
 * Needs a build (npm run build). Whole-image runs need memory: about 10 GB for SMALL at 2048.
 *
 *   node tools/infer-tiles.js [--full-size 1024] [--small-size 2048] [--rss-size 4096] [--skip-rss] [--only-rss]
 */
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const yargs = require('yargs');
const g = require('@dynet/graph');
const infer = require('@dynet/infer');
const { loadAverage } = require('./bench-util');

const args = yargs(process.argv.slice(2))
  .option('full-size', { type: 'number', default: 1024 })
  .option('small-size', { type: 'number', default: 2048 })
  .option('rss-size', { type: 'number', default: 4096 })
  .option('tile', { type: 'number', default: infer.DEFAULT_TILE })
  .option('overlap', { type: 'number', default: infer.DEFAULT_OVERLAP })
  .option('skip-rss', { type: 'boolean', default: false })
  .option('only-rss', { type: 'boolean', default: false })
  .option('weights', { type: 'string', default: path.resolve(__dirname, '../../shared/fixtures/dynet-reference/dynet_seed0.ckpt') })
  .strict()
  .parseSync();

function pattern(n) {
  const data = new Float32Array(3 * n * n);
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < n; y++) {
      for (let x = 0; x < n; x++) {
        const v = 0.5 + 0.3 * Math.sin(x * 0.07 + 2 * c) * Math.cos(y * 0.045 - c) + 0.15 * Math.sin((x + 3 * y) * 0.9 + c);
        data[c * n * n + y * n + x] = Math.min(1, Math.max(0, v));
      }
    }
  }
  return data;
}

function compare(tiled, whole) {
  const n = whole.width;
  let max = 0;
  let sum = 0;
  let sq = 0;
  const steps = new Float64Array(n);
  for (let i = 0; i < whole.data.length; i++) {
    const d = tiled.data[i] - whole.data[i];
    max = Math.max(max, Math.abs(d));
    sum += Math.abs(d);
    sq += d * d;
    const x = i % n;
    if (x > 0) steps[x] += Math.abs(d - (tiled.data[i - 1] - whole.data[i - 1]));
  }
  const s = Array.from(steps.subarray(1)).sort((a, b) => a - b);
  return { max, mean: sum / whole.data.length, psnr: 10 * Math.log10(whole.data.length / sq), seam: s[s.length - 1] / s[s.length >> 1] };
}

async function tiledVsWhole(label, model, n) {
  const restorer = await infer.loadRestorer({ model });
  const image = infer.planarImage(n, n, pattern(n));
  let t0 = Date.now();
  const tiled = await restorer.restore(image, { tile: args.tile, overlap: args.overlap });
  const tiledS = (Date.now() - t0) / 1000;
  t0 = Date.now();
  const whole = await restorer.restore(image, { tile: 0 });
  const wholeS = (Date.now() - t0) / 1000;
  await restorer.release();
  const c = compare(tiled, whole);
  console.log(
    `${label} ${n}x${n}, tile ${args.tile} overlap ${args.overlap}: max |tiled - whole| ${c.max.toFixed(4)}, mean ${c.mean.toExponential(2)}, ` +
      `PSNR ${c.psnr.toFixed(2)} dB, seam figure ${c.seam.toFixed(2)} (tiled ${tiledS.toFixed(0)} s, whole ${wholeS.toFixed(0)} s, peak RSS so far ${(process.resourceUsage().maxRSS / 1048576).toFixed(1)} GB)`,
  );
}

async function rss(model, dir) {
  const n = args.rssSize;
  const png = path.join(dir, `big-${n}.png`);
  const rgb = Buffer.alloc(n * n * 3);
  for (let i = 0; i < rgb.length; i++) rgb[i] = 128 + Math.round(100 * Math.sin(i * 0.0007) * Math.cos(i * 0.013));
  await require('sharp')(rgb, { raw: { width: n, height: n, channels: 3 } }).png().toFile(png);
  const cli = path.resolve(__dirname, '../packages/cli/bin/dynet.js');
  const r = spawnSync('/usr/bin/time', ['-f', 'TIME %M %e', process.execPath, cli, 'restore', png, '-o', path.join(dir, 'out'), '--model', model], { encoding: 'utf8' });
  const m = /TIME (\d+) ([\d.]+)/.exec(r.stderr);
  if (r.status !== 0 || !m) throw new Error(`dynet restore failed: ${r.stderr}`);
  console.log(`dynet restore ${n}x${n} PNG, DyNet-S (FULL), default tiles: peak RSS ${(Number(m[1]) / 1048576).toFixed(2)} GB, ${Number(m[2]).toFixed(0)} s`);
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dynet-infer-tiles-'));
  try {
    const specs = g.dynetParameterSpecs(g.FULL);
    const full = path.join(dir, 'full');
    g.exportDynet({ config: g.FULL, variants: ['S'], outDir: full, weights: fs.existsSync(args.weights) ? g.loadParameters(args.weights, specs) : g.initParameters(specs, 0), source: 'bench' });
    console.log(`machine: ${os.cpus()[0].model}, ${os.cpus().length} cores, load average ${loadAverage()} at start`);
    if (!args.onlyRss) {
      await tiledVsWhole('DyNet-S FULL (reference checkpoint)', full, args.fullSize);
      const small = path.join(dir, 'small');
      g.exportDynet({ config: g.SMALL, variants: ['S'], outDir: small, weights: g.initParameters(g.dynetParameterSpecs(g.SMALL), 0), source: 'bench' });
      await tiledVsWhole('DyNet-S SMALL (seed 0)', small, args.smallSize);
    }
    if (!args.skipRss) await rss(full, dir);
    console.log(`load average ${loadAverage()} at the end`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
