/**
 * Output files written all or nothing: each goes to a hidden temporary file beside its target as
 * soon as it is ready, and `commit` renames them all into place once every one is written;
 * `abort` (or a failure) removes the temporary files and leaves the targets as they were.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileSynced } from './atomic-write';

export class StagedWrites {
  private readonly staged: { tmp: string; target: string }[] = [];
  private readonly createdDirs: string[] = [];

  stage(target: string, bytes: Uint8Array): void {
    const dir = path.dirname(target);
    if (!fs.existsSync(dir)) {
      const first = fs.mkdirSync(dir, { recursive: true });
      if (first) this.createdDirs.push(first);
    }
    const tmp = path.join(dir, `.${path.basename(target)}.${process.pid}.${this.staged.length}.tmp`);
    this.staged.push({ tmp, target });
    writeFileSynced(tmp, bytes);
  }

  commit(): void {
    for (const { tmp, target } of this.staged) fs.renameSync(tmp, target);
    this.staged.length = 0;
  }

  abort(): void {
    for (const { tmp } of this.staged) fs.rmSync(tmp, { force: true });
    this.staged.length = 0;
    for (const dir of this.createdDirs.reverse()) fs.rmSync(dir, { recursive: true, force: true });
  }
}
