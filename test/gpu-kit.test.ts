/**
 * tools/gpu-kit.sh end to end: the offline GPU kit is built as xz parts of at most 30 MiB, unpacks
 * into an empty folder with only cat, xz and tar, and runs `dynet --help` and a CPU restore with
 * the bundled model from there, with no node on PATH. (The test uses a fast xz preset; the kit's
 * default is -6.)
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { ROOT, tmpDir } from './helpers';

const PART_LIMIT = 30 * 1024 * 1024;
const XZ_LEVEL = '1';
let dir: string;
let out: string;
let kit: string;
let bin: string;
let env: NodeJS.ProcessEnv;

/** A PATH without node: /usr/bin and /bin, or, where either holds node (Debian's nodejs), a folder of links to what the kit's users need. */
function pathWithoutNode(): string {
  const system = ['/usr/bin', '/bin'];
  if (!system.some((d) => fs.existsSync(path.join(d, 'node')))) return system.join(':');
  const links = path.join(dir, 'bin');
  fs.mkdirSync(links);
  for (const tool of ['sh', 'cat', 'xz', 'tar', 'env', 'bash', 'date', 'uname', 'nproc', 'mktemp', 'rm', 'cp', 'awk', 'ldd', 'dirname']) {
    const at = system.map((d) => path.join(d, tool)).find((f) => fs.existsSync(f));
    if (!at) throw new Error(`${tool} is in neither /usr/bin nor /bin`);
    fs.symlinkSync(at, path.join(links, tool));
  }
  return links;
}

beforeAll(() => {
  dir = tmpDir('gpu-kit');
  out = path.join(dir, 'parts');
  kit = path.join(dir, 'kit');
  const r = spawnSync('bash', [path.join(ROOT, 'tools/gpu-kit.sh'), '--out', out], {
    cwd: ROOT,
    env: { ...process.env, XZ_LEVEL },
    encoding: 'utf8',
    maxBuffer: 16 << 20,
  });
  if (r.status !== 0) throw new Error(`tools/gpu-kit.sh failed (${r.status}):\n${r.stderr}\n${r.stdout}`);
  const PATH = pathWithoutNode();
  bin = PATH.split(':')[0];
  env = { PATH, HOME: dir };
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const parts = () => fs.readdirSync(out).filter((f) => f.startsWith('dynet-gpu-kit.tar.xz.part-')).sort();

test('the kit is xz parts of at most 30 MiB, each checksummed, with unpacking instructions', () => {
  const names = parts();
  expect(names.length).toBeGreaterThan(0);
  const sizes = names.map((f) => fs.statSync(path.join(out, f)).size);
  for (const s of sizes) expect(s).toBeLessThanOrEqual(PART_LIMIT);
  for (const s of sizes.slice(0, -1)) expect(s).toBe(PART_LIMIT);
  const sums = fs.readFileSync(path.join(out, 'SHA256SUMS'), 'utf8');
  expect(sums.trim().split('\n').map((l) => l.split(/\s+/)[1])).toEqual(names);
  expect(fs.readFileSync(path.join(out, 'UNPACK.txt'), 'utf8')).toContain('cat dynet-gpu-kit.tar.xz.part-* | xz -d | tar -x -C KIT');
});

test('unpacks with cat, xz and tar into an empty folder, and runs dynet --help and a CPU restore with no node on PATH', async () => {
  const noNode = spawnSync(path.join(bin, 'sh'), ['-c', 'command -v node'], { env, encoding: 'utf8' });
  expect(noNode.status).not.toBe(0);

  fs.mkdirSync(kit);
  const unpack = spawnSync(path.join(bin, 'sh'), ['-c', 'cat "$0"/dynet-gpu-kit.tar.xz.part-* | xz -d | tar -x -C "$1"', out, kit], { env, encoding: 'utf8' });
  expect(unpack.stderr).toBe('');
  expect(unpack.status).toBe(0);
  for (const f of ['dynet', 'node', 'lib/libvulkan.so.1', 'tools/gpu-check.sh', 'packages/infer/models/all-in-one-small/dynet-s.onnx', 'node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime.so.1']) {
    expect([f, fs.existsSync(path.join(kit, f))]).toEqual([f, true]);
  }
  // Only the run-time closure, only Linux x64 binaries.
  for (const f of ['node_modules/typescript', 'node_modules/jest', 'node_modules/esbuild', 'node_modules/onnxruntime-web', 'node_modules/onnxruntime-node/bin/napi-v6/win32']) {
    expect([f, fs.existsSync(path.join(kit, f))]).toEqual([f, false]);
  }

  const help = spawnSync(path.join(kit, 'dynet'), ['--help'], { cwd: dir, env, encoding: 'utf8' });
  expect(help.stderr).toBe('');
  expect(help.status).toBe(0);
  expect(help.stdout).toMatch(/dynet restore/);

  const input = path.join(dir, 'small.png');
  const output = path.join(dir, 'restored.png');
  const samples = Uint8Array.from({ length: 64 * 48 * 3 }, (_, i) => (i * 37) % 256);
  await sharp(samples, { raw: { width: 64, height: 48, channels: 3 } }).png().toFile(input);
  const restore = spawnSync(path.join(kit, 'dynet'), ['restore', input, '-o', output], { cwd: dir, env, encoding: 'utf8' });
  expect(restore.stderr).toBe('');
  expect(restore.status).toBe(0);
  expect(restore.stdout).toMatch(/onnxruntime-node cpu/);
  const meta = await sharp(output).metadata();
  expect([meta.format, meta.width, meta.height]).toEqual(['png', 64, 48]);
});

test('the kit runs tools/gpu-check.sh: without a CUDA provider it says what is missing, measures the other devices and exits 1', () => {
  // the kit was unpacked by the test above; a tiny CPU-only check (the full one takes minutes on a GPU)
  const r = spawnSync(path.join(kit, 'tools/gpu-check.sh'), ['-', '--devices', 'cpu', '--train-preset', 'small', '--variants', 'S',
    '--batch', '1', '--size', '32', '--small-batch', '1', '--small-size', '32', '--cpu-steps', '2', '--infer-size', '32'], { cwd: dir, env, encoding: 'utf8' });
  expect(r.stderr).toBe('');
  expect(r.stdout).toMatch(/the CUDA provider for onnxruntime-node [\d.]+ is not usable, so cuda is not measured; missing:/);
  expect(r.stdout).toMatch(/libonnxruntime_providers_cuda\.so \(ONNX Runtime [\d.]+ CUDA provider library\)/);
  expect(r.stdout).toMatch(/train cpu small S b1 32x32: open [\d.]+ s, step 1 [\d.]+ s, median [\d.]+ s\/step/);
  expect(r.stdout).toMatch(/infer cpu full S 1x3x32x32: first [\d.]+ s/);
  expect(r.stdout).toMatch(/gpu-check: every measured device ran and agreed/);
  expect(r.status).toBe(1);
});
