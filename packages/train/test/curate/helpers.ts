/** Shared by the curation tests: the sample photos, small copies of them, scoring outside Jest. */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import type { Scores } from '../../src/curate';
import { SHARED } from '../../../../test/helpers';

export { ROOT, SHARED, dynet, tmpDir } from '../../../../test/helpers';

export const PHOTOS = path.join(SHARED, 'datasets', 'photos');

export function photoNames(): string[] {
  return fs.readdirSync(PHOTOS).filter((f) => f.endsWith('.png')).sort();
}

/** The first photo of each source (kpa_, lomiri_, lxqt_, mate_, plasma_). */
export function onePerSource(): string[] {
  const seen = new Set<string>();
  return photoNames().filter((f) => {
    const src = f.split('_')[0];
    if (seen.has(src)) return false;
    seen.add(src);
    return true;
  });
}

/** Writes a copy of a photo scaled so its longer side is `side` px. */
export async function smallCopy(name: string, side: number, to: string): Promise<void> {
  fs.mkdirSync(path.dirname(to), { recursive: true });
  await sharp(path.join(PHOTOS, name)).resize(side, side, { fit: 'inside' }).png().toFile(to);
}

export interface ScoreJob {
  photo: string;
  damage: 'blur' | 'jpeg' | 'noise';
  level: number;
}

export interface ScoreResult extends ScoreJob {
  scores: Scores;
  failed: string[];
}

/** Scores damaged photos with the built library in a child process (score-job.js). */
export function scoreJobs(jobs: ScoreJob[]): ScoreResult[] {
  const r = spawnSync(process.execPath, [path.join(__dirname, 'score-job.js')], { input: JSON.stringify({ photos: PHOTOS, jobs }), encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`score-job.js failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as ScoreResult[];
}
