/** The pristine NIQE model as a JSON file: writing it, reading and checking it, and the shipped default. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { atomicWriteFileSync } from '@dynet/graph';
import { NIQE_FEATURES, NiqeModel } from './niqe';

export const NIQE_MODEL_FORMAT = 'dynet-niqe-model';

/** The model fitted on the 72 sample photos (docs/curation.md), shipped in packages/train/models. */
export const DEFAULT_NIQE_MODEL = path.resolve(__dirname, '..', '..', 'models', 'niqe-photos.json');

export interface NiqeModelFile extends NiqeModel {
  format: typeof NIQE_MODEL_FORMAT;
  version: 1;
  reference: string;
  sharpnessThreshold: number;
  images: number;
  blocks: number;
}

export function serializeNiqeModel(m: NiqeModelFile): string {
  const rows = m.cov.map((r) => `    ${JSON.stringify(r)}`).join(',\n');
  const head = { format: m.format, version: m.version, reference: m.reference, blockSize: m.blockSize, sharpnessThreshold: m.sharpnessThreshold, images: m.images, blocks: m.blocks };
  return `${JSON.stringify(head, null, 2).slice(0, -2)},\n  "mu": ${JSON.stringify(m.mu)},\n  "cov": [\n${rows}\n  ]\n}\n`;
}

export function writeNiqeModel(file: string, m: NiqeModelFile): void {
  atomicWriteFileSync(file, Buffer.from(serializeNiqeModel(m)));
}

const finiteRow = (r: unknown, n: number) => Array.isArray(r) && r.length === n && r.every((v) => typeof v === 'number' && Number.isFinite(v));

/** Reads and checks a model file; errors are one line naming the file. */
export function readNiqeModel(file: string): { model: NiqeModel; sha256: string } {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`${file}: cannot read the NIQE model (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  let m: Partial<NiqeModelFile>;
  try {
    m = JSON.parse(text);
  } catch (err) {
    throw new Error(`${file}: the NIQE model is not valid JSON (${(err as Error).message})`);
  }
  const bad = (what: string) => new Error(`${file}: not a NIQE model: ${what}`);
  if (typeof m !== 'object' || m === null || m.format !== NIQE_MODEL_FORMAT) throw bad(`"format" must be "${NIQE_MODEL_FORMAT}"`);
  if (m.version !== 1) throw bad(`unsupported version ${JSON.stringify(m.version)}`);
  if (typeof m.blockSize !== 'number' || !Number.isInteger(m.blockSize) || m.blockSize < 8 || m.blockSize % 2) throw bad('"blockSize" must be an even integer >= 8');
  if (!finiteRow(m.mu, NIQE_FEATURES)) throw bad(`"mu" must hold ${NIQE_FEATURES} finite numbers`);
  if (!Array.isArray(m.cov) || m.cov.length !== NIQE_FEATURES || !m.cov.every((r) => finiteRow(r, NIQE_FEATURES))) {
    throw bad(`"cov" must be ${NIQE_FEATURES} rows of ${NIQE_FEATURES} finite numbers`);
  }
  const cov = m.cov;
  for (let i = 0; i < NIQE_FEATURES; i++) {
    for (let j = 0; j < i; j++) {
      if (Math.abs(cov[i][j] - cov[j][i]) > 1e-9 * (Math.abs(cov[i][j]) + 1)) throw bad(`"cov" is not symmetric at (${i}, ${j})`);
    }
  }
  return { model: { mu: m.mu!, cov, blockSize: m.blockSize }, sha256: createHash('sha256').update(text).digest('hex') };
}
