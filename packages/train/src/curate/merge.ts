/**
 * `dynet data merge`: joins the output folders of `--shard 1/N` ... `--shard N/N` runs into one
 * folder equal to an unsharded run's: the manifest lines of all shards sorted by key, and every
 * kept patch hard-linked (copied across file systems) under the same relative path.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { atomicWriteFileSync } from '@dynet/graph';
import { formatRecord, ImageRecord, MANIFEST, parseManifest } from './manifest';
import { readRun, RunDescription, writeRun } from './output-dir';
import { parseShard } from './shard';

export interface MergeResult {
  images: number;
  patches: number;
  manifest: string;
}

function readShard(dir: string): { run: RunDescription; records: ImageRecord[] } {
  const run = readRun(dir);
  if (!run) throw new Error(`--in ${dir}: no ${path.join(dir, 'curate.json')} (not a dynet data curate output folder)`);
  if (!run.complete) throw new Error(`--in ${dir}: shard ${run.shard} did not finish; run its dynet data curate again to complete it`);
  const file = path.join(dir, MANIFEST);
  return { run, records: fs.existsSync(file) ? parseManifest(fs.readFileSync(file, 'utf8'), file) : [] };
}

function checkShards(dirs: string[], runs: RunDescription[]): void {
  const shards = runs.map((r) => parseShard(r.shard));
  const count = shards[0].count;
  const seen = new Map<number, string>();
  shards.forEach((s, i) => {
    if (s.count !== count) throw new Error(`--in ${dirs[i]} is shard ${runs[i].shard}, but ${dirs[0]} is one of ${count}`);
    if (seen.has(s.index)) throw new Error(`--in ${dirs[i]} and ${seen.get(s.index)} are both shard ${runs[i].shard}`);
    seen.set(s.index, dirs[i]);
    for (const f of ['settings', 'niqeModelSha256'] as const) {
      if (JSON.stringify(runs[i][f]) !== JSON.stringify(runs[0][f])) throw new Error(`--in ${dirs[i]} was made with other ${f} than ${dirs[0]}`);
    }
  });
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((i) => !seen.has(i));
  if (missing.length) throw new Error(`missing shard${missing.length > 1 ? 's' : ''} ${missing.map((i) => `${i}/${count}`).join(', ')}: name every shard's output folder`);
}

function linkOrCopy(from: string, to: string): void {
  fs.mkdirSync(path.dirname(to), { recursive: true });
  try {
    fs.linkSync(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    fs.copyFileSync(from, to);
  }
}

export function mergeShards(dirs: string[], out: string): MergeResult {
  if (dirs.length === 0) throw new RangeError('--in: name the output folders of the shards');
  for (const d of dirs) if (!fs.existsSync(d) || !fs.statSync(d).isDirectory()) throw new RangeError(`--in ${d}: no such folder`);
  const shards = dirs.map(readShard);
  checkShards(dirs, shards.map((s) => s.run));
  try {
    fs.mkdirSync(out, { recursive: true });
  } catch (err) {
    throw new Error(`--out ${out}: cannot create the folder (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  if (fs.readdirSync(out).length) throw new Error(`--out ${out}: not empty; merge into a new folder`);
  const owner = new Map<string, string>();
  const all: { record: ImageRecord; dir: string }[] = [];
  shards.forEach((s, i) => {
    for (const record of s.records) {
      if (owner.has(record.key)) throw new Error(`image ${record.key} is in both ${owner.get(record.key)} and ${dirs[i]}`);
      owner.set(record.key, dirs[i]);
      all.push({ record, dir: dirs[i] });
    }
  });
  all.sort((a, b) => (a.record.key < b.record.key ? -1 : a.record.key > b.record.key ? 1 : 0));
  let patches = 0;
  for (const { record, dir } of all) {
    for (const p of record.patches) {
      if (!p.file) continue;
      const from = path.join(dir, p.file);
      if (!fs.existsSync(from)) throw new Error(`${from}: patch named by the manifest is missing`);
      linkOrCopy(from, path.join(out, p.file));
      patches++;
    }
  }
  const manifest = path.join(out, MANIFEST);
  atomicWriteFileSync(manifest, all.map(({ record }) => Buffer.from(formatRecord(record))));
  writeRun(out, { ...shards[0].run, shard: '1/1', complete: true });
  return { images: all.length, patches, manifest };
}
