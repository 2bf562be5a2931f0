/**
 * `dynet data curate` / `merge` end to end on small copies of the sample photos (patch 96): the
 * manifest, resume after SIGKILL, shards merged, the flat filter, and one-line errors.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import type { ImageRecord } from '../../src/curate';
import { dynet, photoNames, ROOT, smallCopy, tmpDir } from './helpers';

const BIN = path.join(ROOT, 'packages/cli/bin/dynet.js');
const OPTS = ['--patch', '96', '--min-side', '96', '--workers', '2'];
const work = tmpDir('curate');
const IN = path.join(work, 'in');
const REF = path.join(work, 'ref');

const records = (out: string): ImageRecord[] => fs.readFileSync(path.join(out, 'manifest.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));

/** manifest bytes plus every file under patches/ with its sha256: what must match between runs. */
function snapshot(out: string): Record<string, string> {
  const snap: Record<string, string> = { manifest: fs.readFileSync(path.join(out, 'manifest.jsonl'), 'utf8') };
  const visit = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) visit(full);
      else snap[path.relative(out, full)] = createHash('sha256').update(fs.readFileSync(full)).digest('hex');
    }
  };
  if (fs.existsSync(path.join(out, 'patches'))) visit(path.join(out, 'patches'));
  return snap;
}

function curateOk(out: string, extra: string[] = []): string {
  const r = dynet(['data', 'curate', '--in', IN, '--out', out, ...OPTS, ...extra]);
  if (r.status !== 0) throw new Error(`curate failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

beforeAll(async () => {
  // 15 photos at 256 px (two folders), a file that is not an image, a truncated PNG, a 64 px image.
  const names = photoNames().filter((_, i) => i % 5 === 0);
  for (const [i, n] of names.entries()) await smallCopy(n, 256, path.join(IN, i % 2 ? 'b' : 'a', n));
  fs.writeFileSync(path.join(IN, 'a', 'not-an-image.jpg'), 'hello');
  const png = fs.readFileSync(path.join(IN, 'a', names[0]));
  fs.writeFileSync(path.join(IN, 'b', 'truncated.png'), png.subarray(0, png.length >> 1));
  await smallCopy(names[1], 64, path.join(IN, 'tiny.png'));
  curateOk(REF);
}, 120000);

afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

test('manifest: one sorted line per image with sizes, scores, decisions; kept patches on disk', () => {
  const recs = records(REF);
  expect(recs.length).toBe(18);
  expect(recs.map((r) => r.key)).toEqual([...recs.map((r) => r.key)].sort());
  const byName = (n: string) => recs.find((r) => r.key.endsWith(n))!;
  expect(byName('not-an-image.jpg')).toMatchObject({ status: 'error', reasons: ['decode'], width: null });
  expect(byName('truncated.png')).toMatchObject({ status: 'error', reasons: ['decode'], error: 'corrupt or truncated image data' });
  expect(byName('tiny.png')).toMatchObject({ status: 'dropped', reasons: ['min-side'], width: 64 });
  const kept = recs.filter((r) => r.status === 'kept');
  expect(kept.length).toBeGreaterThan(5);
  for (const r of kept) {
    expect(Object.keys(r.scores)).toEqual(['niqe', 'blur', 'laplacianVar', 'blockiness', 'jpegQuality']);
    expect(r.patches.length).toBe(Math.floor(r.width! / 96) * Math.floor(r.height! / 96));
    for (const p of r.patches) {
      expect(p.status === 'kept').toBe(p.flat <= 0.5);
      if (p.file) expect(fs.existsSync(path.join(REF, p.file))).toBe(true);
    }
  }
  const files = Object.keys(snapshot(REF)).filter((k) => k !== 'manifest');
  expect(files.length).toBe(kept.flatMap((r) => r.patches.filter((p) => p.file)).length);
});

test('a second run finds every image done and changes nothing', () => {
  const before = snapshot(REF);
  expect(curateOk(REF)).toMatch(/this run: 0 images.*18 already done/);
  expect(snapshot(REF)).toEqual(before);
});

/** Starts curate and SIGKILLs it once the manifest has `lines` lines; returns how many it had. */
function killAfter(out: string, lines: number): Promise<number> {
  const child = spawn(process.execPath, [BIN, 'data', 'curate', '--in', IN, '--out', out, ...OPTS], { stdio: 'ignore' });
  const manifest = path.join(out, 'manifest.jsonl');
  return new Promise((resolve, reject) => {
    const poll = setInterval(() => {
      const n = fs.existsSync(manifest) ? fs.readFileSync(manifest, 'utf8').split('\n').length - 1 : 0;
      if (n >= lines) child.kill('SIGKILL');
    }, 2);
    child.on('exit', (code, signal) => {
      clearInterval(poll);
      if (signal !== 'SIGKILL') reject(new Error(`curate ended (code ${code}) before it could be killed`));
      else resolve(fs.readFileSync(manifest, 'utf8').split('\n').length - 1);
    });
  });
}

test('killed by SIGKILL twice, then resumed: same manifest and patch set as an uninterrupted run', async () => {
  const out = path.join(work, 'killed');
  const first = await killAfter(out, 1);
  const second = await killAfter(out, first + 4);
  expect(second).toBeLessThan(18);
  expect(curateOk(out)).toMatch(new RegExp(`${second} already done`));
  expect(snapshot(out)).toEqual(snapshot(REF));
});

test('a torn last line, orphan patches and temporaries are cleaned up on resume', () => {
  const out = path.join(work, 'torn');
  fs.cpSync(REF, out, { recursive: true });
  const lines = fs.readFileSync(path.join(out, 'manifest.jsonl'), 'utf8').split('\n');
  fs.writeFileSync(path.join(out, 'manifest.jsonl'), `${lines.slice(0, 5).join('\n')}\n${lines[5].slice(0, 40)}`);
  fs.writeFileSync(path.join(out, 'patches', 'stray.png'), 'x');
  fs.writeFileSync(path.join(out, 'patches', '.x.png.123.456.tmp'), 'x');
  expect(curateOk(out)).toMatch(/5 already done/);
  expect(snapshot(out)).toEqual(snapshot(REF));
});

test('shards 1/2 and 2/2 merged equal one unsharded run', () => {
  const s1 = path.join(work, 's1');
  const s2 = path.join(work, 's2');
  curateOk(s1, ['--shard', '1/2']);
  curateOk(s2, ['--shard', '2/2']);
  const n1 = records(s1).length;
  expect(n1).toBeGreaterThan(0);
  expect(n1 + records(s2).length).toBe(18);
  const merged = path.join(work, 'merged');
  const r = dynet(['data', 'merge', '--in', s2, s1, '--out', merged]);
  expect(r.stderr).toBe('');
  expect(r.stdout).toMatch(/merged 2 shards: 18 images/);
  expect(snapshot(merged)).toEqual(snapshot(REF));
  const partial = dynet(['data', 'merge', '--in', s1, '--out', path.join(work, 'partial')]);
  expect(partial.status).toBe(1);
  expect(partial.stderr).toBe('dynet: missing shard 2/2: name every shard\'s output folder\n');
});

test('flat filter end to end: patches 0%, 40%, 60% flat are kept, kept, dropped', async () => {
  const dir = path.join(work, 'flat-in');
  fs.mkdirSync(dir);
  // Three 160x160 patches side by side; in each, the left 0, 4 or 6 of 10 cell columns are a smooth ramp.
  const w = 480, h = 160;
  const px = Buffer.alloc(w * h * 3);
  let seed = 9;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const flatCols = [0, 4, 6][Math.floor(x / 160)];
      const v = x % 160 < 16 * flatCols ? 100 + (x % 160) / 8 : 40 + 180 * rnd();
      px.fill(Math.round(v), 3 * (y * w + x), 3 * (y * w + x) + 3);
    }
  }
  await sharp(px, { raw: { width: w, height: h, channels: 3 } }).png().toFile(path.join(dir, 'flat.png'));
  const out = path.join(work, 'flat-out');
  const r = dynet(['data', 'curate', '--in', dir, '--out', out, '--patch', '160', '--metrics', 'blockiness', '--workers', '1']);
  expect(r.status).toBe(0);
  const [rec] = records(out);
  expect(rec.patches.map((p) => [p.flat, p.status])).toEqual([[0, 'kept'], [0.4, 'kept'], [0.6, 'dropped']]);
});

describe('bad input: one line on stderr, non-zero exit', () => {
  const cases: [string, () => string[], RegExp][] = [
    ['missing --in folder', () => ['--in', path.join(work, 'nope'), '--out', path.join(work, 'o1')], /^dynet: --in .*nope: no such folder\n$/],
    ['unwritable --out (below a file)', () => ['--in', IN, '--out', path.join(work, 'afile', 'x')], /^dynet: --out .*afile\/x: cannot create the folder \(ENOTDIR\)\n$/],
    ['--out inside --in', () => ['--in', IN, '--out', path.join(IN, 'out')], /^dynet: --out .* and --in .* overlap: the output would be read as input\n$/],
    ['--out that is a file', () => ['--in', IN, '--out', path.join(work, 'afile')], /^dynet: --out .*afile: (cannot create the folder \(EEXIST\)|not a folder)\n$/],
    ['bad --shard', () => ['--in', IN, '--out', path.join(work, 'o2'), '--shard', '0/2'], /^dynet: --shard must be i\/N with 1 <= i <= N \(e\.g\. 1\/4\), got '0\/2'\n$/],
    ['corrupt NIQE model', () => ['--in', IN, '--out', path.join(work, 'o3'), '--niqe-model', path.join(work, 'bad-model.json')], /^dynet: .*bad-model\.json: the NIQE model is not valid JSON .*\n$/],
    ['NIQE model of the wrong shape', () => ['--in', IN, '--out', path.join(work, 'o4'), '--niqe-model', path.join(work, 'short-model.json')], /^dynet: .*short-model\.json: not a NIQE model: "mu" must hold 36 finite numbers\n$/],
    ['resuming with other options', () => ['--in', IN, '--out', REF, ...OPTS, '--max-flat', '0.3'], /^dynet: --out .* was begun with other options \(maxFlat 0\.5 -> 0\.3\).*\n$/],
  ];
  beforeAll(() => {
    fs.writeFileSync(path.join(work, 'afile'), 'x');
    fs.writeFileSync(path.join(work, 'bad-model.json'), '{"format": "dynet-niqe-model", "mu": [1, 2');
    fs.writeFileSync(path.join(work, 'short-model.json'), JSON.stringify({ format: 'dynet-niqe-model', version: 1, blockSize: 96, mu: [1, 2], cov: [] }));
  });
  test.each(cases)('%s', (_, args, message) => {
    const r = dynet(['data', 'curate', ...args()]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(message);
  });
});
