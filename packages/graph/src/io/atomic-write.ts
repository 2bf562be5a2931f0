import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Writes a file so that readers see either the old content or the complete new one: the bytes go
 * to a temporary file in the same folder, are flushed, and the temporary file is renamed over the
 * target. On any failure the temporary file is removed.
 */
export function atomicWriteFileSync(file: string, chunks: Uint8Array | Uint8Array[] | string): void {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  // text is written as UTF-8 (a string has no byteLength: without this it would write nothing)
  const parts = typeof chunks === 'string' ? [Buffer.from(chunks, 'utf8')] : Array.isArray(chunks) ? chunks : [chunks];
  let fd: number | undefined;
  try {
    fd = fs.openSync(tmp, 'w');
    for (const part of parts) {
      let written = 0;
      while (written < part.byteLength) {
        written += fs.writeSync(fd, part, written, part.byteLength - written);
      }
    }
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(tmp, file);
  } catch (err) {
    if (fd !== undefined) fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}
