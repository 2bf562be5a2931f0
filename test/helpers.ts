/** Shared by the cross-package tests: fixture paths, running the CLI, comparing tensors. */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '..');
export const SHARED = path.resolve(ROOT, '..', 'shared');
export const REFERENCE = path.join(SHARED, 'fixtures', 'dynet-reference');
export const CHECKPOINT = path.join(REFERENCE, 'dynet_seed0.ckpt');

export function tmpDir(tag: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `dynet-${tag}-`));
}

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built `dynet` binary (npm test builds first). */
export function dynet(args: string[], cwd = ROOT): CliResult {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'packages/cli/bin/dynet.js'), ...args], { cwd, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError(`lengths differ: ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

export function listFiles(dir: string): string[] {
  return fs.existsSync(dir) ? fs.readdirSync(dir) : [];
}
