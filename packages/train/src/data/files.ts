/** Finding images, holding some out for validation, and reading their sizes up front. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { fmix32 } from './rng';
import { DataError, ImageEntry } from './types';

/** Extensions the pipeline reads (lower case); other files, and names starting with '.', are skipped. */
export const DATA_IMAGE_EXTENSIONS: ReadonlySet<string> = new Set(['.png', '.jpg', '.jpeg', '.webp', '.tif', '.tiff']);

export const isImageName = (name: string): boolean => !name.startsWith('.') && DATA_IMAGE_EXTENSIONS.has(path.extname(name).toLowerCase());

function walk(dir: string, rel: string, found: string[]): void {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const relName = rel ? `${rel}/${e.name}` : e.name;
    const full = path.join(dir, e.name);
    // Linked files are read; linked folders are not followed (no cycles).
    const isFile = e.isFile() || (e.isSymbolicLink() && !!fs.statSync(full, { throwIfNoEntry: false })?.isFile());
    if (e.isDirectory() && !e.name.startsWith('.')) walk(full, relName, found);
    else if (isFile && isImageName(e.name)) found.push(relName);
  }
}

/** Throws DataError unless `dir` is an existing folder. */
export function checkFolder(dir: string, what: string): void {
  const st = fs.statSync(dir, { throwIfNoEntry: false });
  if (!st) throw new DataError(`${what} '${dir}' does not exist`, dir);
  if (!st.isDirectory()) throw new DataError(`${what} '${dir}' is not a folder`, dir);
}

/**
 * Every image under `dir` (recursive), as paths joined onto `dir`, sorted by the path inside it
 * ('/'-separated, UTF-16 code-unit order), so the order is the same on every machine.
 */
export function listImages(dir: string): string[] {
  checkFolder(dir, 'image folder');
  const found: string[] = [];
  walk(dir, '', found);
  found.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return found.map((rel) => path.join(dir, ...rel.split('/')));
}

/** FNV-1a over the UTF-8 bytes of the file name (not its folder), then fmix32; as a fraction in [0, 1). */
export function nameHash(file: string): number {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(path.basename(file), 'utf8')) h = Math.imul(h ^ byte, 0x01000193);
  return fmix32(h) / 4294967296;
}

/**
 * Holds out the files whose name hash is below `fraction`: a file's side depends on its name only,
 * so adding or moving files never moves another one across. When that leaves the holdout empty
 * (few files) while fraction > 0 and there are 2 files or more, the file of lowest hash is held
 * out. Both lists keep the input order.
 */
export function splitHoldout(files: string[], fraction: number): { train: string[]; holdout: string[] } {
  if (!(fraction >= 0 && fraction < 1)) throw new RangeError(`holdout: expected a fraction in [0, 1), got ${fraction}`);
  const hashes = files.map(nameHash);
  const held = new Set<number>();
  hashes.forEach((h, i) => h < fraction && held.add(i));
  if (fraction > 0 && held.size === 0 && files.length >= 2) held.add(hashes.indexOf(Math.min(...hashes)));
  return { train: files.filter((_, i) => !held.has(i)), holdout: files.filter((_, i) => held.has(i)) };
}

/** Runs `fn` over `items` with at most `limit` calls in flight; results in input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const run = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, run));
  return out;
}

/** Reads each image's header: its size after EXIF orientation. Throws DataError naming an unreadable file. */
export async function readSizes(files: readonly string[]): Promise<ImageEntry[]> {
  return mapLimit(files, 16, async (file) => {
    try {
      const m = await sharp(file).metadata();
      const { width, height } = m.autoOrient ?? m;
      if (!width || !height) throw new Error('no image size in the header');
      return { file, width, height };
    } catch (err) {
      throw new DataError(`cannot read image '${file}': ${err instanceof Error ? err.message : String(err)}`, file);
    }
  });
}

/** Throws DataError naming the first image smaller than the crop. */
export function checkCropFits(images: readonly { file: string; width: number; height: number }[], crop: number): void {
  for (const im of images) {
    if (im.width < crop || im.height < crop) {
      throw new DataError(`image '${im.file}' is ${im.width}x${im.height}, smaller than the ${crop}x${crop} crop`, im.file);
    }
  }
}
