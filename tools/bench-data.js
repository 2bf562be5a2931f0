#!/usr/bin/env node
/**
 * Times the training-data stream: batches/s for all-in-one (synthetic rain and haze) at batch 4,
 * 128x128 crops, with 2 worker threads and, in the same run, the 1-worker baseline. Each run
 * opens a fresh stream, takes --warmup batches (every photo decoded once per worker), then
 * --batches more as fast as it can; the rate is the median over windows of --window batches.
 *
 *   npm run build && node tools/bench-data.js [--batches 400 --warmup 100 --workers 2]
 */
'use strict';
const os = require('node:os');
const path = require('node:path');
const yargs = require('yargs');
const { openBatchStream } = require('@dynet/train');

const args = yargs(process.argv.slice(2))
  .option('batches', { type: 'number', default: 400 })
  .option('warmup', { type: 'number', default: 100 })
  .option('window', { type: 'number', default: 25 })
  .option('workers', { type: 'number', default: 2 })
  .option('batch', { type: 'number', default: 4 })
  .option('crop', { type: 'number', default: 128 })
  .option('task', { type: 'string', default: 'all-in-one' })
  .option('photos', { type: 'string', default: path.resolve(__dirname, '..', '..', 'shared', 'datasets', 'photos') })
  .strict()
  .parseSync();

const { median } = require('./bench-util');

async function rate(workers) {
  const stream = await openBatchStream({ task: args.task, clean: [args.photos], batch: args.batch, crop: args.crop, seed: 0, workers }, 0);
  try {
    for (let i = 0; i < args.warmup; i++) await stream.next();
    const rates = [];
    let t0 = process.hrtime.bigint();
    for (let i = 1; i <= args.batches; i++) {
      await stream.next();
      if (i % args.window === 0) {
        const t1 = process.hrtime.bigint();
        rates.push(args.window / (Number(t1 - t0) / 1e9));
        t0 = t1;
      }
    }
    return median(rates);
  } finally {
    await stream.close();
  }
}

(async () => {
  const cpus = os.cpus().length;
  console.log(`data stream: ${args.task}, batch ${args.batch}, ${args.crop}x${args.crop}, ${args.photos} (${cpus} CPUs, load ${os.loadavg()[0].toFixed(2)})`);
  for (const workers of [args.workers, 1]) {
    const r = await rate(workers);
    console.log(`  ${workers} worker${workers === 1 ? ' ' : 's'}: ${r.toFixed(1)} batches/s (${(r * args.batch).toFixed(0)} samples/s), median of ${Math.floor(args.batches / args.window)} windows of ${args.window}`);
  }
})().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
