/**
 * `dynet train` end to end on the small preset: a run killed with SIGKILL and resumed (with
 * --recompute) gives the same losses, bit for bit, as an uninterrupted one; dynamic pre-training updates one
 * checkpoint with S steps and with L steps.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { SMALL, dynetParameterSpecs, readSafetensors } from '@dynet/graph';
import { drawIndex, drawVariant, loadCheckpoint, readLog } from '@dynet/train';
import { ROOT, SHARED, dynet, tmpDir } from './helpers';

let dir: string;
let data: string;

beforeAll(async () => {
  dir = tmpDir('train-loop');
  data = path.join(dir, 'photos');
  fs.mkdirSync(data);
  const photos = fs.readdirSync(path.join(SHARED, 'datasets/photos')).filter((f) => f.startsWith('kpa_')).slice(0, 6);
  for (const f of photos) await sharp(path.join(SHARED, 'datasets/photos', f)).resize(96, 96, { fit: 'cover' }).png().toFile(path.join(data, f));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const common = (out: string) => ['--preset', 'small', '--data', data, '--batch', '1', '--crop', '32', '--workers', '1', '--threads', '2', '--out', out];

const losses = (out: string) => readLog(path.join(out, 'train-log.jsonl')).map((r) => [r.step, r.variant, r.loss]);

test('a fine-tuning run killed with SIGKILL and resumed reproduces the uninterrupted losses bit for bit', async () => {
  const args = (out: string) => ['train', 'finetune', ...common(out), '--steps', '10', '--checkpoint-every', '3', '--seed', '5'];
  const straight = path.join(dir, 'straight');
  expect(dynet(args(straight)).status).toBe(0);

  const killed = path.join(dir, 'killed');
  const child = spawn(process.execPath, [path.join(ROOT, 'packages/cli/bin/dynet.js'), ...args(killed)], { stdio: 'ignore' });
  const log = path.join(killed, 'train-log.jsonl');
  await new Promise<void>((resolve, reject) => {
    const poll = setInterval(() => {
      if (readLog(log).some((r) => r.step >= 7)) {
        clearInterval(poll);
        child.kill('SIGKILL');
        resolve();
      }
    }, 20);
    child.on('exit', () => {
      clearInterval(poll);
      reject(new Error('the run ended before it could be killed'));
    });
  });
  await new Promise((r) => child.once('exit', r));
  // the checkpoint on disk is whole: it parses, at a checkpoint boundary
  const ckpt = loadCheckpoint(path.join(killed, 'checkpoint.safetensors'), dynetParameterSpecs(SMALL), []);
  expect(ckpt.step % 3).toBe(0);
  expect(ckpt.step).toBeGreaterThanOrEqual(6);

  // resumed with --recompute (a memory choice a resumed run may change): the same numbers
  const resumed = dynet(['train', 'finetune', '--resume', '--recompute', '--out', killed]);
  expect(resumed.stderr).not.toMatch(/dynet:/);
  expect(resumed.status).toBe(0);
  const manifest = JSON.parse(fs.readFileSync(path.join(killed, 'artifacts/s/artifacts.json'), 'utf8'));
  expect(manifest.recompute).toBe(true);
  // new runs on the CPU use the NCHWc kernels where onnxruntime-node has them (every x86-64 build)
  if (process.arch === 'x64') expect(manifest.nchwcBlock).toBeGreaterThan(0);
  expect(losses(killed)).toHaveLength(10);
  expect(losses(killed)).toEqual(losses(straight));
  const final = (out: string) => readSafetensors(path.join(out, 'checkpoint.safetensors')).tensors.get('output.weight')!.data;
  expect(Buffer.from(final(killed).buffer).equals(Buffer.from(final(straight).buffer))).toBe(true);
});

test('dynamic pre-training draws both variants and updates the one checkpoint with S steps and with L steps', () => {
  // a seed whose first three steps are S, L, S
  const seed = [...Array(200).keys()].find((s) => drawVariant(s, 0, 0.5) === 'S' && drawVariant(s, 1, 0.5) === 'L' && drawVariant(s, 2, 0.5) === 'S')!;
  const out = path.join(dir, 'pretrain');
  const args = ['train', 'pretrain', ...common(out), '--steps', '8', '--checkpoint-every', '1', '--variant-prob', '0.5', '--seed', String(seed)];
  const snapshot = () => readSafetensors(path.join(out, 'checkpoint.safetensors')).tensors;
  const changed = (a: ReturnType<typeof snapshot>, b: ReturnType<typeof snapshot>) =>
    [...a.keys()].filter((k) => !k.startsWith('reduce_noise_channel') && !k.startsWith('optimizer.') && !Buffer.from(a.get(k)!.data.buffer).equals(Buffer.from(b.get(k)!.data.buffer)));
  expect(dynet([...args, '--stop-after', '1']).status).toBe(0);
  const afterS = snapshot();
  expect(dynet(['train', 'pretrain', '--resume', '--out', out, '--stop-after', '2']).status).toBe(0);
  const afterL = snapshot();
  // the L step moved every parameter it trains (all 179 on the forward path) in the same file
  expect(changed(afterS, afterL)).toHaveLength(179);
  expect(dynet(['train', 'pretrain', '--resume', '--out', out]).status).toBe(0);
  const log = readLog(path.join(out, 'train-log.jsonl'));
  expect(log.map((r) => r.step)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  expect(log.slice(0, 3).map((r) => r.variant)).toEqual(['S', 'L', 'S']);
  expect(new Set(log.map((r) => r.variant))).toEqual(new Set(['S', 'L']));
  expect(log.every((r, i) => r.variant === drawVariant(seed, i, 0.5))).toBe(true);
  expect(loadCheckpoint(path.join(out, 'checkpoint.safetensors'), dynetParameterSpecs(SMALL), []).step).toBe(8);
});

test('--depths draws a depth per step from the set (1,1,1,1 2,3,3,4 1,2,2,3), one artifact set each, into the one checkpoint; resume continues the draws', () => {
  const depths = ['1,1,1,1', '2,3,3,4', '1,2,2,3'];
  // a seed whose first three steps draw three different depths
  const seed = [...Array(500).keys()].find((s) => new Set([0, 1, 2].map((i) => drawIndex(s, i, 3))).size === 3)!;
  const out = path.join(dir, 'depths');
  const r = dynet(['train', 'finetune', ...common(out), '--steps', '6', '--checkpoint-every', '2', '--seed', String(seed), '--depths', ...depths, '--stop-after', '4']);
  expect([r.status, r.stderr]).toEqual([0, expect.stringMatching(/^step 1\/6 loss [\d.]+ (1,1,1,1|2,3,3,4|1,2,2,3) /)]);
  // artifacts are rebuilt at every start, never reused: a stale or damaged graph left in the
  // folder (older code, another CPU's block size) is replaced
  fs.writeFileSync(path.join(out, 'artifacts/depth-2-3-3-4/fused_step_model.onnx'), 'not a model');
  expect(dynet(['train', 'finetune', '--resume', '--out', out]).stdout).toMatch(/trained to step 6 \(depth 1,1,1,1 steps \d, depth 2,3,3,4 steps \d, depth 1,2,2,3 steps \d\)/);
  const log = readLog(path.join(out, 'train-log.jsonl'));
  expect(log.map((r) => r.step)).toEqual([0, 1, 2, 3, 4, 5]);
  expect(log.every((r, i) => r.variant === depths[drawIndex(seed, i, 3)])).toBe(true);
  expect(new Set(log.slice(0, 3).map((r) => r.variant)).size).toBe(3);
  expect(fs.readdirSync(path.join(out, 'artifacts')).sort()).toEqual(['depth-1-1-1-1', 'depth-1-2-2-3', 'depth-2-3-3-4']);
  expect(loadCheckpoint(path.join(out, 'checkpoint.safetensors'), dynetParameterSpecs(SMALL), []).step).toBe(6);
  const bad = dynet(['train', 'finetune', ...common(path.join(dir, 'depths-bad')), '--steps', '2', '--depths', '2,3,3,9']);
  expect(bad.status).not.toBe(0);
  expect(bad.stderr).toMatch(/--depths 2,3,3,9: each reuse count must be a whole number from 1 to 8/);
});

describe('bad input is refused before training starts', () => {
  test.each([
    ['an empty data folder', (d: string) => fs.mkdirSync(d), /no images|empty/i],
    ['a missing data folder', () => undefined, /not found|does not exist|no such|cannot read/i],
  ])('%s', (_label, make, message) => {
    const folder = path.join(dir, `bad-${Math.random().toString(36).slice(2)}`);
    make(folder);
    const out = path.join(dir, `bad-out-${path.basename(folder)}`);
    const r = dynet(['train', 'finetune', '--preset', 'small', '--data', folder, '--steps', '2', '--batch', '1', '--crop', '32', '--out', out]);
    expect(r.status).not.toBe(0);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
    expect(fs.existsSync(path.join(out, 'checkpoint.safetensors'))).toBe(false);
  });

  test('an image smaller than the crop', async () => {
    const folder = path.join(dir, 'tiny');
    fs.mkdirSync(folder);
    await sharp({ create: { width: 16, height: 16, channels: 3, background: '#808080' } }).png().toFile(path.join(folder, 'tiny.png'));
    const r = dynet(['train', 'finetune', '--preset', 'small', '--data', folder, '--steps', '2', '--batch', '1', '--crop', '32', '--out', path.join(dir, 'tiny-out')]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/tiny\.png/);
    expect(r.stderr).toMatch(/smaller than|crop/i);
  });

  test('a checkpoint from another configuration', () => {
    const r = dynet(['train', 'finetune', '--preset', 'small', '--data', data, '--steps', '2', '--batch', '1', '--crop', '32', '--weights', path.join(SHARED, 'fixtures/dynet-reference/dynet_seed0.ckpt'), '--out', path.join(dir, 'wrong-config')]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/dynet_seed0\.ckpt.*does not fit this configuration/);
  });
});

test('dynamic fine-tuning (--variant dynamic) draws S and L per step into one checkpoint', () => {
  const seed = [...Array(200).keys()].find((s) => drawVariant(s, 0, 0.5) !== drawVariant(s, 1, 0.5))!;
  const out = path.join(dir, 'finetune-dynamic');
  const r = dynet(['train', 'finetune', ...common(out), '--variant', 'dynamic', '--steps', '3', '--seed', String(seed)]);
  expect(r.stderr).not.toMatch(/dynet:/);
  expect(r.status).toBe(0);
  const log = readLog(path.join(out, 'train-log.jsonl'));
  expect(log.map((e) => e.variant)).toEqual([0, 1, 2].map((i) => drawVariant(seed, i, 0.5)));
  expect(new Set(log.map((e) => e.variant))).toEqual(new Set(['S', 'L']));
  expect(loadCheckpoint(path.join(out, 'checkpoint.safetensors'), dynetParameterSpecs(SMALL), []).step).toBe(3);
  const refused = dynet(['train', 'pretrain', ...common(path.join(dir, 'bad')), '--variant', 'dynamic']);
  expect(refused.status).not.toBe(0);
  expect(refused.stderr).toMatch(/--variant dynamic is for finetune/);
});
