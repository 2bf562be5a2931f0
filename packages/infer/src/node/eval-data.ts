/**
 * Evaluation data on disk. Denoising: a folder of clean images (noise is added at run time).
 * Deraining and dehazing: `DIR/degraded/` and `DIR/clean/`, paired by file name without
 * extension; a degraded name with a `_` suffix also pairs with the clean name before the first
 * `_` (SOTS's `0001_0.8_0.2.jpg` with `0001.png`).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { listImagesIn } from './image-files';

export interface EvalItem {
  /** row name: the clean image's path below its folder */
  readonly name: string;
  readonly clean: string;
  /** absent for denoising */
  readonly degraded?: string;
}

export function denoiseItems(dir: string): EvalItem[] {
  checkFolder(dir);
  const files = listImagesIn(dir);
  if (files.length === 0) throw new Error(`${dir}: no PNG, JPEG or WebP images to evaluate on`);
  return files.map((f) => ({ name: f, clean: path.join(dir, f) }));
}

export function pairedItems(dir: string): EvalItem[] {
  const degradedDir = path.join(dir, 'degraded');
  const cleanDir = path.join(dir, 'clean');
  checkFolder(dir);
  if (!fs.existsSync(degradedDir) || !fs.existsSync(cleanDir)) {
    throw new Error(`${dir}: expected the folders degraded/ and clean/ (images paired by file name)`);
  }
  const clean = new Map(listImagesIn(cleanDir).map((f) => [stem(f), f]));
  const degraded = listImagesIn(degradedDir);
  if (degraded.length === 0) throw new Error(`${degradedDir}: no PNG, JPEG or WebP images to evaluate on`);
  return degraded.map((d) => {
    const s = stem(d);
    const match = clean.get(s) ?? clean.get(path.join(path.dirname(s), path.basename(s).split('_')[0]));
    if (match === undefined) throw new Error(`${path.join(degradedDir, d)}: no clean image of the same name in ${cleanDir}`);
    return { name: match, clean: path.join(cleanDir, match), degraded: path.join(degradedDir, d) };
  });
}

function stem(file: string): string {
  const ext = path.extname(file);
  return ext ? file.slice(0, -ext.length) : file;
}

function checkFolder(dir: string): void {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new Error(`${dir}: no such folder`);
}
