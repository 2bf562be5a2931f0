/**
 * The manifest: one JSON line per source image, appended only after the image's patches are in
 * place, so a line is the proof that the image is finished. A line cut short by a crash is not
 * counted: the reader drops an unterminated last line (and `repairManifest` truncates it away).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Why an image was not kept: a metric failed its threshold, it was too small, or it did not decode. */
export type ImageReason = 'min-side' | 'niqe' | 'blur' | 'blockiness' | 'decode';

export interface Scores {
  niqe?: number | null;
  blur?: number;
  laplacianVar?: number;
  blockiness?: number;
  jpegQuality?: number;
}

export interface PatchRecord {
  x: number;
  y: number;
  /** Share of flat cells, 0..1. */
  flat: number;
  status: 'kept' | 'dropped';
  reason?: 'flat';
  /** Relative to the output folder; kept patches only. */
  file?: string;
}

export interface ImageRecord {
  key: string;
  source: string;
  width: number | null;
  height: number | null;
  status: 'kept' | 'dropped' | 'error';
  reasons: ImageReason[];
  error?: string;
  scores: Scores;
  patches: PatchRecord[];
}

export const MANIFEST = 'manifest.jsonl';

export function formatRecord(r: ImageRecord): string {
  return `${JSON.stringify(r)}\n`;
}

/** Parses the complete lines of a manifest; an unterminated tail is ignored. Throws on a corrupt complete line. */
export function parseManifest(text: string, file: string): ImageRecord[] {
  const end = text.lastIndexOf('\n');
  const lines = end < 0 ? [] : text.slice(0, end).split('\n');
  return lines.map((line, i) => {
    try {
      const r = JSON.parse(line) as ImageRecord;
      const problem = recordProblem(r);
      if (problem) throw new Error(`not an image record: ${problem}`);
      return r;
    } catch (err) {
      throw new Error(`${file}: line ${i + 1} is not a manifest record (${oneLine((err as Error).message)}); the output folder is damaged`);
    }
  });
}

/** What makes a parsed line unusable as an image record (the fields resume and merge read), or null. */
function recordProblem(r: unknown): string | null {
  if (typeof r !== 'object' || r === null || Array.isArray(r)) return 'not an object';
  const { key, status, reasons, patches } = r as Partial<ImageRecord>;
  if (typeof key !== 'string') return 'key is not a string';
  if (status !== 'kept' && status !== 'dropped' && status !== 'error') return `status ${JSON.stringify(status)}`;
  if (!Array.isArray(reasons) || !reasons.every((x) => typeof x === 'string')) return 'reasons is not a list of strings';
  if (!Array.isArray(patches)) return 'patches is not a list';
  for (const p of patches as unknown[]) {
    if (typeof p !== 'object' || p === null) return 'a patch is not an object';
    const { status: ps, file } = p as Partial<PatchRecord>;
    if (ps !== 'kept' && ps !== 'dropped') return `patch status ${JSON.stringify(ps)}`;
    // a patch file lies under the output folder: merge links it from one folder into another
    if (file !== undefined && (typeof file !== 'string' || path.isAbsolute(file) || file.split(/[\\/]/).includes('..'))) return `patch file ${JSON.stringify(file)}`;
  }
  return null;
}

/** `text` with line breaks escaped, for a one-line message. */
function oneLine(text: string): string {
  return text.replace(/\r/g, '\\r').replace(/\n/g, '\\n');
}

/** Reads a manifest (none: empty), cutting an unterminated last line off the file first. */
export function repairManifest(file: string): ImageRecord[] {
  if (!fs.existsSync(file)) return [];
  // Cut in bytes, not in decoded text: a damaged byte decodes as U+FFFD, 3 bytes in UTF-8, so the
  // decoded text's length would misplace the cut.
  const bytes = fs.readFileSync(file);
  const end = bytes.lastIndexOf(0x0a) + 1;
  if (end < bytes.length) fs.truncateSync(file, end);
  return parseManifest(bytes.toString('utf8'), file);
}

/** Appends records durably: one write per line, then fdatasync. */
export class ManifestWriter {
  private fd: number;

  constructor(file: string) {
    this.fd = fs.openSync(file, 'a');
  }

  append(r: ImageRecord): void {
    const buf = Buffer.from(formatRecord(r));
    let written = 0;
    while (written < buf.length) written += fs.writeSync(this.fd, buf, written, buf.length - written);
    fs.fdatasyncSync(this.fd);
  }

  close(): void {
    fs.closeSync(this.fd);
  }
}

/** Counts over a set of records, for the closing summary. */
export interface Summary {
  seen: number;
  kept: number;
  dropped: number;
  errors: number;
  /** Images per failing reason; an image failing several metrics counts under each. */
  byReason: Record<string, number>;
  patchesWritten: number;
  patchesFlat: number;
}

export function emptySummary(): Summary {
  return { seen: 0, kept: 0, dropped: 0, errors: 0, byReason: {}, patchesWritten: 0, patchesFlat: 0 };
}

export function addToSummary(s: Summary, r: ImageRecord): void {
  s.seen++;
  if (r.status === 'kept') s.kept++;
  else if (r.status === 'dropped') s.dropped++;
  else s.errors++;
  for (const reason of r.reasons) s.byReason[reason] = (s.byReason[reason] ?? 0) + 1;
  for (const p of r.patches) {
    if (p.status === 'kept') s.patchesWritten++;
    else s.patchesFlat++;
  }
}
