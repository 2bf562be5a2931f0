/**
 * `dynet restore`, `dynet eval` and `dynet serve` end to end: formats and sizes through a real
 * (small-preset) DyNet, errors as one line with a non-zero exit and nothing written, the metrics
 * against scikit-image's figures, and the page server.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { readImage } from '@dynet/infer';
import { exportSmall, writeStandInModel } from '../packages/infer/test/helpers';
import { ROOT, SHARED, dynet, listFiles, tmpDir } from './helpers';

const METRICS = path.join(SHARED, 'fixtures', 'metrics');
let dir: string;
let model: string;
let identity: string;
let inputs: string;

async function rawPng(file: string, width: number, height: number, channels: 1 | 2 | 3 | 4, sixteen = false): Promise<string> {
  const n = width * height * channels;
  const samples = sixteen ? Uint16Array.from({ length: n }, (_, i) => (i * 7919) % 65536) : Uint8Array.from({ length: n }, (_, i) => (i * 31) % 256);
  const space = channels <= 2 ? (sixteen ? 'grey16' : 'b-w') : sixteen ? 'rgb16' : 'srgb';
  await sharp(samples, { raw: { width, height, channels } }).toColourspace(space).png().toFile(file);
  return file;
}

beforeAll(async () => {
  dir = tmpDir('infer-cli');
  model = exportSmall(path.join(dir, 'model'));
  identity = writeStandInModel(path.join(dir, 'identity'), 'identity');
  inputs = path.join(dir, 'inputs');
  fs.mkdirSync(path.join(inputs, 'sub'), { recursive: true });
  await rawPng(path.join(inputs, 'grey.png'), 7, 13, 1);
  await rawPng(path.join(inputs, 'rgba16.png'), 1000, 3, 4, true);
  await rawPng(path.join(inputs, 'sub', 'one.png'), 1, 1, 3);
  await sharp(Buffer.alloc(24 * 16 * 3, 90), { raw: { width: 24, height: 16, channels: 3 } }).jpeg().withMetadata({ orientation: 6 }).toFile(path.join(inputs, 'turned.jpg'));
  await sharp(Buffer.alloc(9 * 9 * 4, 200), { raw: { width: 9, height: 9, channels: 4 } }).webp().toFile(path.join(inputs, 'alpha.webp'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('dynet restore', () => {
  test('a folder of PNG (grey 7x13, RGBA 16-bit 1000x3, RGB 1x1), JPEG (EXIF-turned) and WebP: each written in its own format, size and layout, alpha untouched', async () => {
    const out = path.join(dir, 'restored');
    const r = dynet(['restore', inputs, '-o', out, '--model', model]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^restored 5 images into .* \(DyNet-S, onnxruntime-node cpu\)\n$/);
    for (const [name, w, h, channels, depth] of [
      ['grey.png', 7, 13, 1, 8],
      ['rgba16.png', 1000, 3, 4, 16],
      ['sub/one.png', 1, 1, 3, 8],
      ['turned.jpg', 16, 24, 3, 8],
      ['alpha.webp', 9, 9, 4, 8],
    ] as const) {
      const [a, b] = [await readImage(path.join(inputs, name)), await readImage(path.join(out, name))];
      expect([name, b.pixels.width, b.pixels.height, b.pixels.channels, b.pixels.bitDepth, b.format]).toEqual([name, w, h, channels, depth, a.format]);
      if (channels === 4) {
        const alpha = (s: ArrayLike<number>) => Array.from(s).filter((_, i) => i % 4 === 3);
        expect(alpha(b.pixels.samples)).toEqual(alpha(a.pixels.samples));
      }
    }
  });

  test('through an identity network, a 16-bit RGBA PNG comes back sample for sample; -o may name a file of another format', async () => {
    const file = path.join(inputs, 'rgba16.png');
    const out = path.join(dir, 'same.png');
    expect(dynet(['restore', file, '-o', out, '--model', identity, '--tile', '256', '--overlap', '32']).status).toBe(0);
    expect(Array.from((await readImage(out)).pixels.samples)).toEqual(Array.from((await readImage(file)).pixels.samples));
    const jpeg = path.join(dir, 'as.jpeg');
    expect(dynet(['restore', file, '-o', jpeg, '--model', identity]).status).toBe(0);
    expect((await sharp(jpeg).metadata()).format).toBe('jpeg');
  });

  describe('refusals: one line naming the file, exit 1, nothing written', () => {
    const refused = (args: string[], out: string, message: RegExp) => {
      const r = dynet(['restore', ...args, '-o', out]);
      expect(r.status).toBe(1);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^dynet: /);
      expect(r.stderr).toMatch(message);
      expect(listFiles(out)).toEqual([]);
    };

    test('a truncated JPEG among good images (checked before any image is restored)', () => {
      const mixed = path.join(dir, 'mixed');
      fs.cpSync(inputs, mixed, { recursive: true });
      const whole = fs.readFileSync(path.join(mixed, 'turned.jpg'));
      fs.writeFileSync(path.join(mixed, 'zz-cut.jpg'), whole.subarray(0, whole.length >> 1));
      refused([mixed, '--model', model], path.join(dir, 'out-mixed'), /zz-cut\.jpg: cannot read the image \(truncated or corrupt/);
    });

    test('a corrupt PNG', () => {
      const f = path.join(dir, 'corrupt.png');
      const bytes = Buffer.from(fs.readFileSync(path.join(inputs, 'grey.png')));
      for (let i = 40; i < bytes.length - 12; i++) bytes[i] ^= 0x33;
      fs.writeFileSync(f, bytes);
      refused([f, '--model', model], path.join(dir, 'out-corrupt'), /corrupt\.png: cannot read the image/);
    });

    test('a file that is not an image', () => {
      const f = path.join(dir, 'notes.txt');
      fs.writeFileSync(f, 'hello\n');
      refused([f, '--model', model], path.join(dir, 'out-notes'), /notes\.txt: cannot read the image \(not an image/);
    });

    test('a missing model: says to run npx dynet export or pass --model', () => {
      refused([inputs, '--model', path.join(dir, 'nothing-here')], path.join(dir, 'out-nomodel'), /nothing-here\/dynet-s\.onnx: no DyNet-S model there; write one with `npx dynet export` or pass --model DIR/);
    });

    test('a missing weights file', () => {
      const m = path.join(dir, 'no-weights');
      fs.mkdirSync(m);
      fs.copyFileSync(path.join(model, 'dynet-s.onnx'), path.join(m, 'dynet-s.onnx'));
      refused([inputs, '--model', m], path.join(dir, 'out-noweights'), /no-weights\/dynet\.weights\.bin: weights file missing/);
    });

    test('an output onto an input', () => {
      const f = path.join(inputs, 'grey.png');
      const before = fs.readFileSync(f);
      const r = dynet(['restore', f, '-o', f, '--model', model]);
      expect([r.status, r.stderr]).toEqual([1, `dynet: ${f}: refusing to overwrite an input image; choose another -o\n`]);
      expect(fs.readFileSync(f).equals(before)).toBe(true);
    });
  });
});

describe('dynet eval', () => {
  const cases: { clean: string; degraded: string; psnr: number; ssim: number }[] = JSON.parse(fs.readFileSync(path.join(METRICS, 'metrics.json'), 'utf8')).cases;

  test("--identity on the fixture pairs reproduces scikit-image's PSNR within 0.01 dB and SSIM within 1e-4", () => {
    const data = path.join(dir, 'pairs');
    for (const sub of ['degraded', 'clean']) fs.mkdirSync(path.join(data, sub), { recursive: true });
    cases.forEach((c, i) => {
      fs.copyFileSync(path.join(METRICS, c.degraded), path.join(data, 'degraded', `${i}.png`));
      fs.copyFileSync(path.join(METRICS, c.clean), path.join(data, 'clean', `${i}.png`));
    });
    const r = dynet(['eval', '--task', 'derain', '--data', data, '--identity', '--json']);
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout);
    cases.forEach((c, i) => {
      expect(report.rows[i].name).toBe(`${i}.png`);
      expect(Math.abs(report.rows[i].psnr - c.psnr)).toBeLessThan(0.01);
      expect(Math.abs(report.rows[i].ssim - c.ssim)).toBeLessThan(1e-4);
    });
    expect(report.mean.psnr).toBeCloseTo(cases.reduce((s, c) => s + c.psnr, 0) / cases.length, 2);
  });

  test('--task denoise --sigma 25 with DyNet-S: noise from the seed, per-image rows and the mean; a table without --json', async () => {
    const clean = path.join(dir, 'clean');
    fs.mkdirSync(clean);
    for (const [i, c] of cases.entries()) await sharp(path.join(METRICS, c.clean)).extract({ left: 0, top: 0, width: 56, height: 40 }).toFile(path.join(clean, `${i}.png`));
    const run = (extra: string[]) => dynet(['eval', '--task', 'denoise', '--sigma', '25', '--data', clean, '--model', model, ...extra]);
    const a = JSON.parse(run(['--json', '--seed', '3']).stdout);
    expect(Object.keys(a.mean)).toEqual(['psnr', 'ssim']);
    expect(a.rows.map((row: { name: string }) => row.name)).toEqual(['0.png', '1.png', '2.png']);
    expect([a.task, a.sigma, a.seed, a.variant]).toEqual(['denoise', 25, 3, 'S']);
    const noisy = (seed: string) => JSON.parse(dynet(['eval', '--task', 'denoise', '--sigma', '25', '--data', clean, '--identity', '--json', '--seed', seed]).stdout);
    const [n3, n4] = [noisy('3'), noisy('4')];
    expect(n3.mean.psnr).toBeGreaterThan(19.5); // 20 log10(255/25) = 20.2 dB, more where clipping cuts the noise
    expect(n3.mean.psnr).toBeLessThan(24);
    expect(n3.mean.psnr).not.toBe(n4.mean.psnr);
    for (const row of a.rows) expect([Number.isFinite(row.psnr), row.ssim > -1 && row.ssim <= 1]).toEqual([true, true]);
    const table = run([]);
    expect(table.status).toBe(0);
    expect(table.stdout).toMatch(/^denoise sigma 25, seed 0: DyNet-S/);
    expect(table.stdout).toMatch(/\nmean +\d+\.\d{4} +\d\.\d{4}\n$/);
  });

  test('--task denoise without --sigma and a folder without degraded/ and clean/ are refused', () => {
    expect(dynet(['eval', '--task', 'denoise', '--data', dir, '--identity']).stderr).toMatch(/needs --sigma 15, 25 or 50/);
    const r = dynet(['eval', '--task', 'dehaze', '--data', inputs, '--identity']);
    expect([r.status, r.stderr]).toEqual([1, `dynet: ${inputs}: expected the folders degraded/ and clean/ (images paired by file name)\n`]);
  });
});

describe('dynet serve', () => {
  test('serves the page, its scripts and the model folder on localhost until stopped', async () => {
    const child = spawn(process.execPath, [path.join(ROOT, 'packages/cli/bin/dynet.js'), 'serve', '--model', model, '--port', '0'], { cwd: ROOT });
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
        const m = /serving the DyNet page at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
        if (m) resolve(m[1]);
      });
      child.on('exit', () => reject(new Error(`serve exited: ${out}`)));
    });
    try {
      const page = await fetch(url);
      expect(page.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
      expect(await page.text()).toContain('<script type="module" src="app.js">');
      const app = await fetch(`${url}app.js`);
      expect(app.headers.get('content-type')).toMatch(/javascript/);
      const size = (await app.arrayBuffer()).byteLength;
      expect(size).toBeLessThan(100_000); // onnxruntime-web is served beside it, not bundled in
      expect((await fetch(`${url}ort-wasm-simd-threaded.jsep.wasm`)).headers.get('content-type')).toBe('application/wasm');
      const graph = new Uint8Array(await (await fetch(`${url}model/dynet-s.onnx`)).arrayBuffer());
      expect(Buffer.from(graph).equals(fs.readFileSync(path.join(model, 'dynet-s.onnx')))).toBe(true);
      expect((await fetch(`${url}model/..%2F..%2Fpackage.json`)).status).toBe(404);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await new Promise((resolve) => child.on('exit', resolve))).toBe(0);
  });

  test('a missing model is one line and exit 1', () => {
    const r = dynet(['serve', '--model', path.join(dir, 'nothing-here'), '--port', '0']);
    expect([r.status, r.stderr.trim().split('\n').length]).toEqual([1, 1]);
    expect(r.stderr).toMatch(/nothing-here: no DyNet model there .* `npx dynet export` or pass --model DIR/);
  });
});
