/**
 * Where each restored image goes. `out` is a file when one image is restored into a path with an
 * image extension that is not a folder, and a folder otherwise (mirroring paths below input
 * folders). Refuses, before anything runs, any output that is an input or that two inputs share.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FoundImage } from './image-files';
import { formatOfPath, ImageFormat } from './image-io';

export interface RestoreJob {
  readonly input: string;
  readonly output: string;
  /** the output's format: the output extension's, else the input's */
  readonly format: ImageFormat | undefined;
}

export function planRestore(images: readonly FoundImage[], out: string): RestoreJob[] {
  const isDir = fs.existsSync(out) && fs.statSync(out).isDirectory();
  const toFile = !isDir && formatOfPath(out) !== undefined;
  if (toFile && images.length !== 1) {
    throw new Error(`${out}: ${images.length} images to restore need an output folder, not a file`);
  }
  const jobs = images.map(({ file, relative }) => {
    const output = toFile ? out : path.join(out, relative);
    return { input: file, output, format: formatOfPath(output) };
  });
  checkNoClobber(jobs);
  return jobs;
}

function checkNoClobber(jobs: readonly RestoreJob[]): void {
  const inputs = new Set(jobs.map((j) => identity(j.input)));
  const outputs = new Map<string, string>();
  for (const job of jobs) {
    const id = identity(job.output);
    if (inputs.has(id)) throw new Error(`${job.output}: refusing to overwrite an input image; choose another -o`);
    const other = outputs.get(id);
    if (other !== undefined) throw new Error(`${job.output}: both ${other} and ${job.input} would be written there`);
    outputs.set(id, job.input);
  }
}

/** A key that is equal for two paths naming one file (through links or case-insensitive names). */
function identity(file: string): string {
  try {
    const s = fs.statSync(file);
    return `inode:${s.dev}:${s.ino}`;
  } catch {
    const dir = path.dirname(path.resolve(file));
    const real = fs.existsSync(dir) ? fs.realpathSync(dir) : dir;
    return `path:${path.join(real, path.basename(file))}`;
  }
}
