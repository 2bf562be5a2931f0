import * as fs from 'node:fs';
import * as path from 'node:path';

/** Writes `bytes` to `file` and flushes them to disk before returning. */
export function writeFileSynced(file: string, bytes: Uint8Array): void {
  const fd = fs.openSync(file, 'w');
  try {
    fs.writeFileSync(fd, bytes);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Writes `bytes` to a temporary file beside `file`, flushes it and renames it over `file`. */
export function atomicWriteFileSync(file: string, bytes: Uint8Array): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  try {
    writeFileSynced(tmp, bytes);
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}
