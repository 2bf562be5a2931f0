#!/usr/bin/env node
/**
 * Speed against quality over depths, from one dynet-any.onnx: for each depth (reuse counts per
 * level) the held-out PSNR (noise sigma 25 with the authors' test noise, synthetic rain and
 * haze, each beside the degraded input) and the time one 512x512 image takes on
 * onnxruntime-node CPU. Writes depth-curve.json, depth-curve.md (the table) and depth-curve.svg
 * (PSNR against seconds per image, one panel per task) into --out.
 *
 *   node tools/depth-curve.js [--model DIR] [--photos DIR] [--max-size 384] [--limit N]
 *        [--depths 1,1,1,1 ... 4,6,6,8] [--tasks denoise derain dehaze] [--time-size 512]
 *        [--runs 3] [--threads N] [--out docs/depth-curve]
 * Without --model it reads the bundled model's dynet-any.onnx (trained at DyNet-S's and
 * DyNet-L's depths, drawn per step).
 */
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const sharp = require('sharp');
const yargs = require('yargs');
const train = require('@dynet/train');
const { DEFAULT_MODEL_DIR, loadRestorer } = require('@dynet/infer');
const { atomicWriteFileSync } = require('@dynet/graph');
const { median, cpuDescription } = require('./bench-util');
const { syntheticPairs } = require('./synthetic-pairs');

const ROOT = path.resolve(__dirname, '..');
const PATH_DEPTHS = ['1,1,1,1', '1,2,2,2', '2,2,2,3', '2,3,3,4', '3,4,4,5', '3,5,5,6', '4,6,6,8'];
const args = yargs(process.argv.slice(2))
  .option('model', { type: 'string', default: DEFAULT_MODEL_DIR, describe: 'folder with dynet-any.onnx (default: the bundled model)' })
  .option('photos', { type: 'string', default: path.join(ROOT, 'datasets/collection/heldout'), describe: 'held-out photos (recursive)' })
  .option('max-size', { type: 'number', default: 384, describe: 'downscale photos so the longer side is at most this (0: as they are)' })
  .option('limit', { type: 'number', default: 0, describe: 'use only the first N photos (0: all)' })
  .option('depths', { type: 'string', array: true, default: PATH_DEPTHS })
  .option('tasks', { type: 'string', array: true, choices: ['denoise', 'derain', 'dehaze'], default: ['denoise', 'derain', 'dehaze'] })
  .option('time-size', { type: 'number', default: 512, describe: 'the square image size timed' })
  .option('runs', { type: 'number', default: 3, describe: 'timed runs per depth (median), after one warm-up' })
  .option('threads', { type: 'number', describe: 'intra-op threads (default: the runtime\'s choice)' })
  .option('seed', { type: 'number', default: 0 })
  .option('out', { type: 'string', default: path.join(ROOT, 'docs/depth-curve') })
  .strict()
  .parseSync();

const TASKS = { denoise: 'noise sigma 25', derain: 'synthetic rain', dehaze: 'synthetic haze' };
const cli = (...a) => JSON.parse(execFileSync(process.execPath, [path.join(ROOT, 'packages/cli/bin/dynet.js'), ...a], { encoding: 'utf8', maxBuffer: 1 << 26 }));

/** The evaluation folders: clean photos (denoise) and degraded/clean pairs (derain, dehaze). */
async function prepareData(work) {
  let files = train.listImages(args.photos);
  if (args.limit > 0) files = files.slice(0, args.limit);
  if (files.length === 0) throw new Error(`${args.photos}: no photos`);
  const clean = path.join(work, 'clean');
  fs.mkdirSync(clean);
  const resized = [];
  for (const f of files) {
    const to = path.join(clean, `${path.basename(f, path.extname(f))}.png`);
    if (fs.existsSync(to)) throw new Error(`${f}: another photo has the name ${path.basename(to)}`);
    const img = sharp(f).removeAlpha().toColourspace('srgb');
    if (args.maxSize > 0) img.resize(args.maxSize, args.maxSize, { fit: 'inside', withoutEnlargement: true });
    const { data, info } = await img.raw().toBuffer({ resolveWithObject: true });
    // whole multiples of 8 so no padding enters the comparison
    const width = info.width - (info.width % 8);
    const height = info.height - (info.height % 8);
    await sharp(data, { raw: { width: info.width, height: info.height, channels: 3 } }).extract({ left: 0, top: 0, width, height }).png().toFile(to);
    resized.push(to);
  }
  for (const [task, kind] of [['derain', 'rain'], ['dehaze', 'haze']]) {
    if (args.tasks.includes(task)) await syntheticPairs(path.join(work, task), resized, kind, args.seed);
  }
  return { clean, count: resized.length };
}

function evalArgs(task, work, clean) {
  return task === 'denoise'
    ? ['eval', '--task', 'denoise', '--sigma', '25', '--seed', String(args.seed), '--data', clean, '--json', '--tile', '0']
    : ['eval', '--task', task, '--data', path.join(work, task), '--json', '--tile', '0'];
}

async function secondsPerImage(model, depth) {
  const restorer = await loadRestorer({ model, depth, threads: args.threads });
  const n = 3 * args.timeSize * args.timeSize;
  const x = Float32Array.from({ length: n }, (_, i) => (i % 251) / 251);
  const shape = [1, 3, args.timeSize, args.timeSize];
  await restorer.runTensor(x, shape);
  const times = [];
  for (let r = 0; r < args.runs; r++) {
    const t0 = process.hrtime.bigint();
    await restorer.runTensor(x, shape);
    times.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  await restorer.release();
  return median(times);
}

function writeSvg(file, rows, degraded) {
  const tasks = args.tasks;
  const W = 300;
  const H = 240;
  const pad = { l: 48, r: 12, t: 28, b: 40 };
  const xs = rows.map((r) => r.seconds);
  const [x0, x1] = [Math.min(...xs) * 0.95, Math.max(...xs) * 1.05];
  const panels = tasks.map((task, k) => {
    const ys = rows.map((r) => r.psnr[task]).concat(degraded[task]);
    const [y0, y1] = [Math.floor(Math.min(...ys)) - 0.5, Math.ceil(Math.max(...ys)) + 0.5];
    const X = (v) => pad.l + ((v - x0) / (x1 - x0)) * (W - pad.l - pad.r);
    const Y = (v) => H - pad.b - ((v - y0) / (y1 - y0)) * (H - pad.t - pad.b);
    const line = rows.map((r, i) => `${i ? 'L' : 'M'}${X(r.seconds).toFixed(1)},${Y(r.psnr[task]).toFixed(1)}`).join(' ');
    const dots = rows.map((r) => `<circle cx="${X(r.seconds).toFixed(1)}" cy="${Y(r.psnr[task]).toFixed(1)}" r="3"/><text x="${(X(r.seconds) + 4).toFixed(1)}" y="${(Y(r.psnr[task]) - 5).toFixed(1)}" font-size="8">${r.depth}</text>`).join('');
    const yd = Y(degraded[task]).toFixed(1);
    const yTicks = [];
    for (let v = Math.ceil(y0); v <= y1; v += Math.max(1, Math.round((y1 - y0) / 5))) yTicks.push(`<text x="${pad.l - 4}" y="${Y(v).toFixed(1)}" font-size="9" text-anchor="end" dy="3">${v}</text>`);
    return `<g transform="translate(${k * W},0)">` +
      `<text x="${W / 2}" y="16" font-size="11" text-anchor="middle">${TASKS[task]}</text>` +
      `<rect x="${pad.l}" y="${pad.t}" width="${W - pad.l - pad.r}" height="${H - pad.t - pad.b}" fill="none" stroke="#999"/>` +
      `<line x1="${pad.l}" x2="${W - pad.r}" y1="${yd}" y2="${yd}" stroke="#c33" stroke-dasharray="4 3"/><text x="${W - pad.r - 2}" y="${yd}" dy="-3" font-size="8" text-anchor="end" fill="#c33">degraded input</text>` +
      `<path d="${line}" fill="none" stroke="#247"/>${dots}${yTicks.join('')}` +
      `<text x="${pad.l - 34}" y="${H / 2}" font-size="9" transform="rotate(-90 ${pad.l - 34} ${H / 2})" text-anchor="middle">PSNR (dB)</text>` +
      `<text x="${(pad.l + W - pad.r) / 2}" y="${H - 8}" font-size="9" text-anchor="middle">s per ${args.timeSize}x${args.timeSize} image (${x0.toFixed(2)} to ${x1.toFixed(2)})</text></g>`;
  });
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W * tasks.length}" height="${H}" font-family="sans-serif">${panels.join('')}</svg>\n`;
  atomicWriteFileSync(file, svg);
}

async function main() {
  const depths = args.depths.map((d) => d.split(',').map(Number));
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'dynet-depth-curve-'));
  try {
    const model = args.model;
    if (!fs.existsSync(path.join(model, 'dynet-any.onnx'))) throw new Error(`${model}: no dynet-any.onnx (write one with \`dynet export --variant any\`)`);
    const { clean, count } = await prepareData(work);
    const degraded = {};
    for (const task of args.tasks) degraded[task] = cli(...evalArgs(task, work, clean), '--identity').mean.psnr;
    const rows = [];
    for (const depth of depths) {
      const psnr = {};
      for (const task of args.tasks) psnr[task] = cli(...evalArgs(task, work, clean), '--model', model, '--depth', depth.join(',')).mean.psnr;
      const seconds = await secondsPerImage(model, depth);
      rows.push({ depth: depth.join(','), seconds, psnr });
      console.log(`depth ${depth.join(',')}: ${seconds.toFixed(3)} s per ${args.timeSize}x${args.timeSize}; ` + args.tasks.map((t) => `${t} ${psnr[t].toFixed(2)} dB`).join(', '));
    }
    fs.mkdirSync(args.out, { recursive: true });
    const about = `${count} photos of ${path.relative(ROOT, args.photos) || args.photos}${args.maxSize ? ` at most ${args.maxSize} px` : ''}; ${cpuDescription()}, ${args.threads ?? 'default'} threads`;
    const header = `| depth | s per ${args.timeSize}x${args.timeSize} | ${args.tasks.map((t) => `${TASKS[t]} (dB)`).join(' | ')} |`;
    const table = [header, `| --- | --- | ${args.tasks.map(() => '---').join(' | ')} |`,
      `| degraded input | | ${args.tasks.map((t) => degraded[t].toFixed(2)).join(' | ')} |`,
      ...rows.map((r) => `| ${r.depth}${r.depth === '2,3,3,4' ? ' (S)' : r.depth === '4,6,6,8' ? ' (L)' : ''} | ${r.seconds.toFixed(3)} | ${args.tasks.map((t) => r.psnr[t].toFixed(2)).join(' | ')} |`)].join('\n');
    atomicWriteFileSync(path.join(args.out, 'depth-curve.json'), `${JSON.stringify({ about, model: path.resolve(model) === DEFAULT_MODEL_DIR ? 'bundled' : model, degraded, rows }, null, 1)}\n`);
    atomicWriteFileSync(path.join(args.out, 'depth-curve.md'), `${about}\n\n${table}\n`);
    writeSvg(path.join(args.out, 'depth-curve.svg'), rows, degraded);
    console.log(`\n${about}\n${table}\nwrote ${path.join(args.out, 'depth-curve.{json,md,svg}')}`);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(`depth-curve: ${err.message}`);
  process.exit(1);
});
