/** Finding image files: the ones named, and those under the folders named. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { formatOfPath } from './image-io';

export interface FoundImage {
  /** the file */
  readonly file: string;
  /** its path below the folder it was found in (its base name when named directly) */
  readonly relative: string;
}

/**
 * Expands files and folders into image files. Folders are searched recursively for PNG, JPEG and
 * WebP files (by extension, sorted by path); a file named directly is taken whatever its
 * extension, so a non-image gets a clear error when decoded.
 */
export function findImages(inputs: readonly string[]): FoundImage[] {
  const found: FoundImage[] = [];
  for (const input of inputs) {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(input);
    } catch {
      throw new Error(`${input}: no such file or folder`);
    }
    if (!stat.isDirectory()) {
      found.push({ file: input, relative: path.basename(input) });
      continue;
    }
    const inFolder = listImagesIn(input);
    if (inFolder.length === 0) throw new Error(`${input}: the folder holds no PNG, JPEG or WebP images`);
    found.push(...inFolder.map((relative) => ({ file: path.join(input, relative), relative })));
  }
  return found;
}

/** Image files below `dir` as paths relative to it, sorted. */
export function listImagesIn(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const child = rel ? path.join(rel, entry.name) : entry.name;
      if (entry.isDirectory()) walk(child);
      else if (entry.isFile() && !entry.name.startsWith('.') && formatOfPath(entry.name)) out.push(child);
    }
  };
  walk('');
  return out.sort();
}
