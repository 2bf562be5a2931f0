/**
 * The output folder's bookkeeping: a lock so two runs never share it, the run description
 * (curate.json) that a resumed run must match, and removal of patch files no manifest line names.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { atomicWriteFileSync } from '@dynet/graph';
import type { CurateSettings } from './settings';

export const RUN_FILE = 'curate.json';
const LOCK_FILE = '.curate.lock';

export interface RunDescription {
  format: 'dynet-curate';
  version: 1;
  /** Absolute --in folders, in the order given (keys number them). */
  inputs: string[];
  shard: string;
  settings: CurateSettings;
  /** sha256 of the NIQE model file, or null when NIQE is off. */
  niqeModelSha256: string | null;
  /** True once every image of the shard has a manifest line. */
  complete: boolean;
}

/** Creates the folder (with parents) and takes its lock; returns the release function. */
export function openOutput(out: string): () => void {
  try {
    fs.mkdirSync(out, { recursive: true });
  } catch (err) {
    throw new Error(`--out ${out}: cannot create the folder (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  if (!fs.statSync(out).isDirectory()) throw new Error(`--out ${out}: not a folder`);
  const lock = path.join(out, LOCK_FILE);
  for (let attempt = 0; ; attempt++) {
    try {
      fs.writeFileSync(lock, `${process.pid}\n`, { flag: 'wx' });
      break;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST' || attempt > 0) throw new Error(`--out ${out}: not writable (${code ?? (err as Error).message})`);
      const pid = Number(fs.readFileSync(lock, 'utf8'));
      if (pid && pid !== process.pid && isAlive(pid)) throw new Error(`--out ${out}: in use by another dynet data curate (pid ${pid}; if that is not one, remove ${lock})`);
      fs.rmSync(lock, { force: true }); // left by a run that was killed
    }
  }
  return () => fs.rmSync(lock, { force: true });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function readRun(out: string): RunDescription | null {
  const file = path.join(out, RUN_FILE);
  if (!fs.existsSync(file)) return null;
  let run: unknown;
  try {
    run = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    // V8 quotes the text around the error, line breaks included: keep the message one line
    throw new Error(`${file}: not valid JSON (${oneLine((err as Error).message)}); the output folder is damaged`);
  }
  const r = run as Partial<RunDescription> | null;
  if (typeof r !== 'object' || r === null || r.format !== 'dynet-curate' || typeof r.shard !== 'string' || typeof r.settings !== 'object' || r.settings === null) {
    throw new Error(`${file}: not a dynet data curate run description; the output folder is damaged`);
  }
  return r as RunDescription;
}

/** `text` with line breaks escaped, for a one-line message. */
function oneLine(text: string): string {
  return text.replace(/\r/g, '\\r').replace(/\n/g, '\\n');
}

export function writeRun(out: string, run: RunDescription): void {
  atomicWriteFileSync(path.join(out, RUN_FILE), Buffer.from(`${JSON.stringify(run, null, 2)}\n`));
}

/** Throws unless a resumed run has the same inputs, shard, settings and model as the one that began the folder. */
export function checkSameRun(out: string, before: RunDescription, now: RunDescription): void {
  const diffs: string[] = [];
  for (const f of ['inputs', 'shard', 'niqeModelSha256'] as const) {
    if (JSON.stringify(before[f]) !== JSON.stringify(now[f])) diffs.push(`${f} ${JSON.stringify(before[f])} -> ${JSON.stringify(now[f])}`);
  }
  const keys = new Set([...Object.keys(before.settings ?? {}), ...Object.keys(now.settings)]) as Set<keyof CurateSettings>;
  for (const k of keys) {
    const a = JSON.stringify(before.settings?.[k]);
    const b = JSON.stringify(now.settings[k]);
    if (a !== b) diffs.push(`${k} ${a} -> ${b}`);
  }
  if (diffs.length) throw new Error(`--out ${out} was begun with other options (${diffs.join('; ')}): resume with the same options or use another --out`);
}

/** Deletes files under out/patches that `keep` does not name (patches of unfinished images, temporaries). */
export function removeOrphans(out: string, keep: Set<string>): number {
  const root = path.join(out, 'patches');
  if (!fs.existsSync(root)) return 0;
  let removed = 0;
  const visit = (dir: string, rel: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const r = `${rel}/${e.name}`;
      if (e.isDirectory()) visit(path.join(dir, e.name), r);
      else if (!keep.has(r)) {
        fs.rmSync(path.join(dir, e.name), { force: true });
        removed++;
      }
    }
  };
  visit(root, 'patches');
  return removed;
}
