/**
 * `dynet data curate`: scan, shard, resume, process on worker threads, append the manifest in key
 * order. Finished work means a manifest line: a line is appended only after the image's patches
 * are renamed into place, and lines go in sorted-key order, so an interrupted run leaves a sorted
 * prefix; on restart an unterminated last line is cut off, patch files that no line names are
 * deleted, and the remaining images are processed again (deterministically, so the result equals
 * an uninterrupted run byte for byte).
 */
import * as os from 'node:os';
import * as path from 'node:path';
import type { ImageRecord, Summary } from './manifest';
import { addToSummary, emptySummary, MANIFEST, ManifestWriter, repairManifest } from './manifest';
import { DEFAULT_NIQE_MODEL, readNiqeModel } from './niqe-model';
import { checkSameRun, openOutput, readRun, removeOrphans, RunDescription, writeRun } from './output-dir';
import { WorkerPool } from './pool';
import { formatShard, inShard, Shard, WHOLE } from './shard';
import { checkRoots, scanImages } from './scan';
import { CurateSettings, checkSettings, DEFAULTS } from './settings';
import type { ProgressSink } from './progress';

export interface CurateOptions {
  inputs: string[];
  out: string;
  settings?: Partial<CurateSettings>;
  /** NIQE model file (default: the shipped model). */
  niqeModel?: string;
  /** Worker threads; 0 processes in the calling thread. Default: available parallelism. */
  workers?: number;
  shard?: Shard;
  progress?: ProgressSink;
}

export interface CurateResult {
  summary: Summary;
  /** Images finished by an earlier run and skipped. */
  resumed: number;
  /** Images processed by this run. */
  processed: number;
  seconds: number;
  manifest: string;
  orphansRemoved: number;
}

export async function curate(opts: CurateOptions): Promise<CurateResult> {
  const t0 = process.hrtime.bigint();
  const settings: CurateSettings = { ...DEFAULTS, ...opts.settings };
  checkSettings(settings);
  const shard = opts.shard ?? WHOLE;
  const workers = opts.workers ?? os.availableParallelism();
  if (!Number.isInteger(workers) || workers < 0) throw new RangeError(`--workers must be an integer >= 0, got ${workers}`);
  checkRoots(opts.inputs, opts.out);
  const niqe = settings.metrics.includes('niqe') ? readNiqeModel(opts.niqeModel ?? DEFAULT_NIQE_MODEL) : null;
  const out = path.resolve(opts.out);
  const release = openOutput(opts.out);
  try {
    const run: RunDescription = {
      format: 'dynet-curate',
      version: 1,
      inputs: opts.inputs.map((i) => path.resolve(i)),
      shard: formatShard(shard),
      settings,
      niqeModelSha256: niqe?.sha256 ?? null,
      complete: false,
    };
    const before = readRun(out);
    if (before) checkSameRun(opts.out, before, run);
    writeRun(out, run);

    const manifest = path.join(out, MANIFEST);
    const done = repairManifest(manifest);
    const summary = emptySummary();
    done.forEach((r) => addToSummary(summary, r));
    const doneKeys = new Set(done.map((r) => r.key));
    const orphansRemoved = removeOrphans(out, new Set(done.flatMap((r) => r.patches.flatMap((p) => (p.file ? [p.file] : [])))));

    const todo = scanImages(opts.inputs).filter((e) => inShard(e.key, shard) && !doneKeys.has(e.key));
    const processed = await processAll(todo, { out, settings, model: niqe?.model ?? null }, workers, manifest, summary, opts.progress);
    writeRun(out, { ...run, complete: true });
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    return { summary, resumed: done.length, processed, seconds, manifest, orphansRemoved };
  } finally {
    release();
  }
}

/** Runs the images on the pool and appends their records in input order. */
async function processAll(
  todo: { key: string; source: string }[],
  ctx: { out: string; settings: CurateSettings; model: import('./niqe').NiqeModel | null },
  workers: number,
  manifestFile: string,
  summary: Summary,
  progress?: ProgressSink,
): Promise<number> {
  const pool = new WorkerPool(todo.length ? workers : 0, ctx); // no threads to start when all is done
  const writer = new ManifestWriter(manifestFile);
  const finished = new Map<number, ImageRecord>();
  let next = 0;
  const flush = () => {
    for (let r = finished.get(next); r; r = finished.get(next)) {
      writer.append(r);
      finished.delete(next++);
      addToSummary(summary, r);
      if (r.status === 'error') progress?.log(`skipped ${r.source}: ${r.error}`);
      progress?.tick(summary);
    }
  };
  progress?.start(todo.length);
  const running = new Set<Promise<void>>();
  let failure: unknown = null;
  try {
    for (let i = 0; i < todo.length && !failure; i++) {
      await pool.ready();
      const job = pool.run(todo[i]).then(
        (r) => {
          finished.set(i, r);
          flush();
        },
        (err) => {
          failure ??= err;
        },
      );
      running.add(job);
      void job.then(() => running.delete(job));
      if (workers === 0) await job;
    }
    await Promise.all(running);
    if (failure) throw failure;
    return next;
  } finally {
    progress?.stop();
    writer.close();
    await pool.close();
  }
}
