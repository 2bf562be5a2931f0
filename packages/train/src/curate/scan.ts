/** Finding the images under the --in folders, in one deterministic order. */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Extensions read by sharp's prebuilt binaries (compared in lower case). */
export const IMAGE_EXTENSIONS: ReadonlySet<string> = new Set(['.png', '.jpg', '.jpeg', '.webp', '.tif', '.tiff', '.avif', '.gif']);

export interface ScanEntry {
  /** `<index of the --in folder>/<path inside it, with forward slashes>`: the image's identity in manifests and shards. */
  key: string;
  /** Absolute path of the file. */
  source: string;
}

/** Throws RangeError unless every root is an existing folder and none lies inside another (or inside `out`). */
export function checkRoots(roots: string[], out?: string): void {
  if (roots.length === 0) throw new RangeError('--in: name at least one folder');
  const abs = roots.map((r) => path.resolve(r));
  roots.forEach((r, i) => {
    let st: fs.Stats;
    try {
      st = fs.statSync(abs[i]);
    } catch {
      throw new RangeError(`--in ${r}: no such folder`);
    }
    if (!st.isDirectory()) throw new RangeError(`--in ${r}: not a folder`);
  });
  const inside = (a: string, b: string) => a === b || a.startsWith(b.endsWith(path.sep) ? b : b + path.sep);
  for (let i = 0; i < abs.length; i++) {
    for (let j = 0; j < abs.length; j++) {
      if (i !== j && inside(abs[i], abs[j])) throw new RangeError(`--in ${roots[i]} lies inside --in ${roots[j]}: its images would be read twice`);
    }
    if (out && (inside(path.resolve(out), abs[i]) || inside(abs[i], path.resolve(out)))) {
      throw new RangeError(`--out ${out} and --in ${roots[i]} overlap: the output would be read as input`);
    }
  }
}

function walk(dir: string, rel: string, found: string[]): void {
  const entries = fs.readdirSync(dir, { withFileTypes: true });
  for (const e of entries) {
    const full = path.join(dir, e.name);
    const relName = rel ? `${rel}/${e.name}` : e.name;
    let isDir = e.isDirectory();
    let isFile = e.isFile();
    if (e.isSymbolicLink()) {
      // Linked files are read; linked folders are not followed (no cycles, no escaping the tree).
      const st = fs.statSync(full, { throwIfNoEntry: false });
      isFile = !!st?.isFile();
      isDir = false;
    }
    if (isDir) walk(full, relName, found);
    else if (isFile && IMAGE_EXTENSIONS.has(path.extname(e.name).toLowerCase())) found.push(relName);
  }
}

/** Every image under the roots, sorted by key (UTF-16 code-unit order, as Array.prototype.sort). */
export function scanImages(roots: string[]): ScanEntry[] {
  const entries: ScanEntry[] = [];
  roots.forEach((root, i) => {
    const found: string[] = [];
    walk(path.resolve(root), '', found);
    for (const rel of found) entries.push({ key: `${i}/${rel}`, source: path.join(path.resolve(root), ...rel.split('/')) });
  });
  return entries.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
