/**
 * Paired deraining/dehazing folders in the layouts the authors' data lists use (AirNet, PromptIR)
 * plus a plain degraded/ + clean/ layout. Every degraded image must find its clean partner, of
 * the same size, or opening the stream fails naming the file.
 */
import * as path from 'node:path';
import * as fs from 'node:fs';
import { checkFolder, listImages, readSizes } from './files';
import { DataError, ImagePair } from './types';

/** How a degraded file's name leads to its clean partner's name (without extension). */
type Rule = 'same' | 'rain' | 'haze';

export interface PairLayout {
  degraded: string;
  clean: string;
  rule: Rule;
}

/** Tried in order; the first whose two subfolders both exist is used. */
export const PAIR_LAYOUTS: Record<'derain' | 'dehaze', readonly PairLayout[]> = {
  derain: [
    // Rain100L as AirNet/PromptIR train on it: rainy/rain-12.png <-> gt/norain-12.png
    { degraded: 'rainy', clean: 'gt', rule: 'rain' },
    // the authors' test sets: input/12.png <-> target/12.png
    { degraded: 'input', clean: 'target', rule: 'same' },
    { degraded: 'degraded', clean: 'clean', rule: 'same' },
  ],
  dehaze: [
    // RESIDE OTS as AirNet/PromptIR train on it: synthetic/part1/0025_0.8_0.04.jpg <-> original/0025.jpg
    { degraded: 'synthetic', clean: 'original', rule: 'haze' },
    // SOTS: hazy/0001_0.8_0.2.jpg <-> gt/0001.png; RESIDE ITS/OTS: hazy/1_1_0.9.png <-> clear/1.png
    { degraded: 'hazy', clean: 'gt', rule: 'haze' },
    { degraded: 'hazy', clean: 'clear', rule: 'haze' },
    // the authors' test sets: input/0001_0.8_0.2.png <-> target/0001.png
    { degraded: 'input', clean: 'target', rule: 'haze' },
    { degraded: 'degraded', clean: 'clean', rule: 'same' },
  ],
};

const stemOf = (file: string) => path.basename(file, path.extname(file));
const isDir = (p: string) => !!fs.statSync(p, { throwIfNoEntry: false })?.isDirectory();

/** Clean-partner names to look for, in order. */
function partnerStems(stem: string, rule: Rule): string[] {
  if (rule === 'rain' && stem.startsWith('rain-')) return [`norain-${stem.slice('rain-'.length)}`, stem];
  if (rule === 'haze' && stem.includes('_')) return [stem, stem.slice(0, stem.indexOf('_'))];
  return [stem];
}

export function describeLayouts(task: 'derain' | 'dehaze'): string {
  return PAIR_LAYOUTS[task].map((l) => `${l.degraded}/ + ${l.clean}/`).join(', ');
}

/** The layout of a paired folder; throws DataError naming the folder when none matches. */
export function detectLayout(dir: string, task: 'derain' | 'dehaze'): PairLayout {
  checkFolder(dir, `${task} folder`);
  const found = PAIR_LAYOUTS[task].find((l) => isDir(path.join(dir, l.degraded)) && isDir(path.join(dir, l.clean)));
  if (!found) throw new DataError(`${task} folder '${dir}' has none of the accepted layouts (${describeLayouts(task)})`, dir);
  return found;
}

/** Matches every degraded image with its clean partner (file names only; sizes are checked by readPairs). */
export function matchPairs(dir: string, task: 'derain' | 'dehaze', layout = detectLayout(dir, task)): { degraded: string; clean: string }[] {
  const degradedDir = path.join(dir, layout.degraded);
  const cleanDir = path.join(dir, layout.clean);
  const degraded = listImages(degradedDir);
  if (degraded.length === 0) throw new DataError(`${task} folder '${degradedDir}' contains no images`, degradedDir);
  const byStem = new Map<string, string[]>();
  for (const f of listImages(cleanDir)) {
    const s = stemOf(f);
    byStem.set(s, [...(byStem.get(s) ?? []), f]);
  }
  return degraded.map((file) => {
    const stems = partnerStems(stemOf(file), layout.rule);
    for (const s of stems) {
      const hits = byStem.get(s);
      if (!hits) continue;
      // Several clean files of one name: the one in the matching subfolder, else ambiguous.
      const relDir = path.dirname(path.relative(degradedDir, file));
      const same = hits.filter((h) => path.dirname(path.relative(cleanDir, h)) === relDir);
      if (hits.length === 1 || same.length === 1) return { degraded: file, clean: hits.length === 1 ? hits[0] : same[0] };
      throw new DataError(`${task} pair: '${file}' matches ${hits.length} clean images named '${s}.*' in '${cleanDir}'`, file);
    }
    const wanted = stems.map((s) => `${s}.*`).join(' or ');
    throw new DataError(`${task} pair: no clean image for '${file}' (looked for ${wanted} in '${cleanDir}')`, file);
  });
}

/** Matches the pairs and checks that each pair's two images have one size. */
export async function readPairs(dir: string, task: 'derain' | 'dehaze'): Promise<ImagePair[]> {
  const pairs = matchPairs(dir, task);
  const files = [...new Set(pairs.flatMap((p) => [p.degraded, p.clean]))];
  const sizes = new Map((await readSizes(files)).map((e) => [e.file, e]));
  return pairs.map(({ degraded, clean }) => {
    const d = sizes.get(degraded)!;
    const c = sizes.get(clean)!;
    if (d.width !== c.width || d.height !== c.height) {
      throw new DataError(`${task} pair '${degraded}' is ${d.width}x${d.height} but its clean image '${clean}' is ${c.width}x${c.height}`, degraded);
    }
    return { degraded, clean, width: d.width, height: d.height };
  });
}
