/** The NIQE model file: the shipped model is a deterministic fit of the sample photos; bad files are refused. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_NIQE_MODEL, readNiqeModel } from '../../src/curate';
import { dynet, PHOTOS, tmpDir } from './helpers';

const work = tmpDir('niqe-model');
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

test('dynet data niqe-fit on the 72 photos rewrites the shipped model byte for byte', () => {
  const out = path.join(work, 'refit.json');
  const r = dynet(['data', 'niqe-fit', '--in', PHOTOS, '--out', out]);
  expect(r.stderr).toBe('');
  expect(r.stdout).toBe(`wrote ${out}: 310 blocks from 72 images\n`);
  expect(fs.readFileSync(out, 'utf8')).toBe(fs.readFileSync(DEFAULT_NIQE_MODEL, 'utf8'));
});

test('the shipped model: 36 means, a symmetric 36x36 covariance with a positive diagonal', () => {
  const { model, sha256 } = readNiqeModel(DEFAULT_NIQE_MODEL);
  expect(model.blockSize).toBe(96);
  expect(model.mu.length).toBe(36);
  expect(model.cov.every((r, i) => r[i] > 0)).toBe(true);
  expect(sha256).toMatch(/^[0-9a-f]{64}$/);
});

describe('readNiqeModel refuses damaged files with one line naming the file', () => {
  const good = JSON.parse(fs.readFileSync(DEFAULT_NIQE_MODEL, 'utf8'));
  const cases: [string, string, RegExp][] = [
    ['truncated JSON', fs.readFileSync(DEFAULT_NIQE_MODEL, 'utf8').slice(0, 500), /the NIQE model is not valid JSON/],
    ['another format', JSON.stringify({ ...good, format: 'x' }), /not a NIQE model: "format" must be "dynet-niqe-model"/],
    ['35 means', JSON.stringify({ ...good, mu: good.mu.slice(1) }), /"mu" must hold 36 finite numbers/],
    ['a null in cov', JSON.stringify({ ...good, cov: [[null, ...good.cov[0].slice(1)], ...good.cov.slice(1)] }), /"cov" must be 36 rows of 36 finite numbers/],
    ['asymmetric cov', JSON.stringify({ ...good, cov: good.cov.map((r: number[], i: number) => (i === 3 ? r.map((v, j) => (j === 1 ? v + 1 : v)) : r)) }), /"cov" is not symmetric at \(3, 1\)/],
  ];
  test.each(cases)('%s', (_, text, message) => {
    const file = path.join(work, 'm.json');
    fs.writeFileSync(file, text);
    expect(() => readNiqeModel(file)).toThrow(message);
    expect(() => readNiqeModel(file)).toThrow(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: [^\n]*$`));
  });
  test('a missing file', () => expect(() => readNiqeModel(path.join(work, 'none.json'))).toThrow(/none\.json: cannot read the NIQE model \(ENOENT\)/));
});

test('niqe-fit: a missing --in folder is a one-line error', () => {
  const r = dynet(['data', 'niqe-fit', '--in', path.join(work, 'nope'), '--out', path.join(work, 'x.json')]);
  expect(r.status).toBe(1);
  expect(r.stderr).toMatch(/^dynet: --in .*nope: no such folder\n$/);
});
