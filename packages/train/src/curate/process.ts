/**
 * One image, start to finish: decode, resolution threshold, quality metrics, patches, flat filter,
 * patch files. Returns the manifest record; the caller appends it once this promise resolves, i.e.
 * after every kept patch has been renamed into place.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { atomicWriteFileSync } from '@dynet/graph';
import { flatShare } from './flat';
import { BT601, cropRgb, decodeImage, encodePng, toGray } from './image';
import type { ImageRecord, PatchRecord } from './manifest';
import type { NiqeModel } from './niqe';
import { patchGrid, patchPath } from './patches';
import { round, scoreImage } from './quality';
import type { ScanEntry } from './scan';
import type { CurateSettings } from './settings';

export interface ProcessContext {
  settings: CurateSettings;
  model: NiqeModel | null;
  /** Output folder; patches are written under it. */
  out: string;
}

/** The first line of an error message, without a trailing period. */
/**
 * The manifest's reason for a file that does not decode. libvips words the same damage
 * differently from run to run (whichever of its threads reports first: "libpng read error" or
 * "Warning treated as error due to failOn setting"), so those become one stable reason and
 * the manifest stays byte-identical across runs and resumes.
 */
function reasonOf(err: unknown): string {
  const msg = (err instanceof Error ? err.message : String(err)).split('\n')[0].trim();
  if (/failOn|read error|premature|truncat|corrupt|invalid|bad (huffman|adaptive)|unexpected end/i.test(msg)) return 'corrupt or truncated image data';
  return msg || 'unknown error';
}

export async function processImage(entry: ScanEntry, ctx: ProcessContext): Promise<ImageRecord> {
  const base = { key: entry.key, source: entry.source };
  let img;
  try {
    img = await decodeImage(entry.source);
  } catch (err) {
    // A file that does not decode is skipped, never fatal.
    return { ...base, width: null, height: null, status: 'error', reasons: ['decode'], error: reasonOf(err), scores: {}, patches: [] };
  }
  const { settings: s } = ctx;
  const record: ImageRecord = { ...base, width: img.width, height: img.height, status: 'kept', reasons: [], scores: {}, patches: [] };
  if (Math.min(img.width, img.height) < s.minSide) return { ...record, status: 'dropped', reasons: ['min-side'] };
  const q = scoreImage(img, s, ctx.model);
  record.scores = q.scores;
  if (q.failed.length) return { ...record, status: 'dropped', reasons: q.failed };
  const grey = toGray(img, BT601);
  for (const o of patchGrid(img.width, img.height, s.patch)) {
    const flat = round(flatShare(grey, o.x, o.y, s.patch, s.patch, { block: s.flatBlock, energy: s.flatEnergy }), 4);
    const p: PatchRecord = { x: o.x, y: o.y, flat, status: 'kept' };
    if (flat > s.maxFlat) {
      p.status = 'dropped';
      p.reason = 'flat';
    } else {
      p.file = patchPath(entry.key, o);
      const file = path.join(ctx.out, p.file);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      atomicWriteFileSync(file, await encodePng(cropRgb(img, o.x, o.y, s.patch, s.patch)));
    }
    record.patches.push(p);
  }
  return record;
}
