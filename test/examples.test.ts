/**
 * The packages as a user gets them (issue 15): `npm pack` of every package, then the two example
 * apps installed from the packed @dynet/infer into empty folders (from npm's cache where it can; the
 * npm registry is the only network they may use):
 *   - examples/node-restore: `require('@dynet/infer')` restores a noisy photo in Node, and the
 *     install downloads no CUDA binaries;
 *   - examples/web-restore: a web app gets neither onnxruntime-node nor sharp, bundles
 *     `@dynet/infer/web` with esbuild, and restores the same photo in headless Chromium (wasm),
 *     within one level of Node's result.
 */
import { spawnSync, SpawnSyncReturns } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import * as path from 'node:path';
import sharp from 'sharp';
import { chromium } from 'playwright-core';
import { psnr, readImage, toPlanar } from '@dynet/infer';
import { ROOT, tmpDir } from './helpers';

const PACKAGES = ['graph', 'train', 'infer', 'cli'];
const PHOTO = path.join(ROOT, 'datasets/collection/heldout/darknet/darknet_dog.jpg');
const SIGMA = 25;

let dir: string;
let tarballs: Record<string, string>;
let clean: string;
let noisy: string;

/** npm with none of the npm_config_* settings `npm test` passes down (the repository's ignore-scripts among them). */
function npm(args: string[], cwd: string): SpawnSyncReturns<string> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
  return spawnSync('npm', args, { cwd, env, encoding: 'utf8', maxBuffer: 64 << 20 });
}

function ok(r: SpawnSyncReturns<string>, what: string): string {
  if (r.status !== 0) throw new Error(`${what} failed (${r.status}):\n${r.stderr}\n${r.stdout}`);
  return r.stdout;
}

/** A copy of an example in an empty folder, with the packed @dynet/infer installed offline. */
function installExample(name: string): { app: string; log: string } {
  const app = path.join(dir, name);
  fs.cpSync(path.join(ROOT, 'examples', name), app, { recursive: true });
  const r = npm(['install', '--prefer-offline', '--no-audit', '--no-fund', tarballs.infer], app);
  ok(r, `npm install in ${name}`);
  return { app, log: r.stdout + r.stderr };
}

beforeAll(async () => {
  dir = tmpDir('examples');
  const packed = path.join(dir, 'packed');
  fs.mkdirSync(packed);
  tarballs = {};
  for (const p of PACKAGES) {
    const out = ok(npm(['pack', '--json', '--pack-destination', packed], path.join(ROOT, 'packages', p)), `npm pack of packages/${p}`);
    tarballs[p] = path.join(packed, JSON.parse(out)[0].filename);
  }
  // A 96x72 crop of a held-out photo and its noisy copy (sigma 25, fixed seed).
  clean = path.join(dir, 'clean.png');
  noisy = path.join(dir, 'noisy.png');
  const { data, info } = await sharp(PHOTO).extract({ left: 200, top: 150, width: 96, height: 72 }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  await sharp(data, { raw: { width: 96, height: 72, channels: 3 } }).png().toFile(clean);
  let seed = 12345;
  const gauss = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    const u = (seed + 1) / (2 ** 31 + 1);
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    const v = (seed + 1) / (2 ** 31 + 1);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
  const noisySamples = Uint8Array.from(data, (s) => Math.max(0, Math.min(255, Math.round(s + SIGMA * gauss()))));
  await sharp(noisySamples, { raw: { width: info.width, height: info.height, channels: 3 } }).png().toFile(noisy);
}, 300_000);

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test('npm pack of every package: each tarball has its README, built code and declared entry points, and no tests', () => {
  for (const p of PACKAGES) {
    const list = ok(spawnSync('tar', ['-tzf', tarballs[p]], { encoding: 'utf8' }), `tar -tzf ${tarballs[p]}`).split('\n');
    const manifest = JSON.parse(spawnSync('tar', ['-xzOf', tarballs[p], 'package/package.json'], { encoding: 'utf8' }).stdout);
    expect([p, list.includes('package/README.md')]).toEqual([p, true]);
    expect([p, list.includes('package/dist/index.js')]).toEqual([p, true]);
    expect([p, list.some((f) => f.includes('/test/'))]).toEqual([p, false]);
    for (const entry of Object.values(manifest.exports as Record<string, string | Record<string, string>>)) {
      for (const target of typeof entry === 'string' ? [entry] : Object.values(entry)) {
        if (!target.includes('*')) expect([p, target, list.includes(`package/${target.replace(/^\.\//, '')}`)]).toEqual([p, target, true]);
      }
    }
  }
});

let nodeRestored: string;

test('examples/node-restore: installs the packed @dynet/infer without downloading CUDA, and restores a noisy photo in Node', async () => {
  const { app } = installExample('node-restore');
  const ortBin = path.join(app, 'node_modules/onnxruntime-node/bin/napi-v6/linux/x64');
  expect(fs.existsSync(path.join(ortBin, 'libonnxruntime.so.1'))).toBe(true);
  expect(fs.readdirSync(ortBin).filter((f) => /providers_cuda/.test(f))).toEqual([]);
  nodeRestored = path.join(dir, 'restored-node.png');
  const r = spawnSync(process.execPath, ['restore.js', noisy, nodeRestored], { cwd: app, encoding: 'utf8' });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  expect(r.stdout).toMatch(/noisy\.png -> .*restored-node\.png in \d+\.\d\d s/);
  const truth = toPlanar((await readImage(clean)).pixels);
  const before = psnr(toPlanar((await readImage(noisy)).pixels), truth);
  const after = psnr(toPlanar((await readImage(nodeRestored)).pixels), truth);
  expect(after).toBeGreaterThan(before + 3);
}, 300_000);

test('examples/web-restore: a web app gets neither onnxruntime-node nor sharp, bundles @dynet/infer/web, and restores in headless Chromium like Node', async () => {
  const { app } = installExample('web-restore');
  for (const nodeOnly of ['onnxruntime-node', 'sharp']) expect([nodeOnly, fs.existsSync(path.join(app, 'node_modules', nodeOnly))]).toEqual([nodeOnly, false]);
  // under Node, the package still loads; what needs a missing peer says which and how to install it
  const probe = spawnSync(process.execPath, ['-e', "require('@dynet/infer').readImage('x.png').catch((e) => { console.log(e.message); })"], { cwd: app, encoding: 'utf8' });
  expect(probe.stdout.trim()).toBe('@dynet/infer: reading and writing image files needs the package sharp, an optional peer dependency: npm install sharp (docs/packages.md)');
  ok(spawnSync(process.execPath, ['build.js'], { cwd: app, encoding: 'utf8' }), 'node build.js');
  const site = path.join(app, 'dist');
  fs.copyFileSync(noisy, path.join(site, 'noisy.png'));
  const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.png': 'image/png' };
  const server = http.createServer((req, res) => {
    const file = path.join(site, decodeURIComponent(new URL(req.url!, 'http://x').pathname));
    if (!file.startsWith(site) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': types[path.extname(file)] ?? 'application/octet-stream' }).end(fs.readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/index.html?src=noisy.png`);
    const result = await page.evaluate(() => (window as unknown as { restored: Promise<{ width: number; height: number; output: number[] }> }).restored);
    expect(errors).toEqual([]);
    expect(await page.textContent('#status')).toMatch(/^restored 96x72 in \d+\.\d\d s$/);
    const fromNode = (await readImage(nodeRestored)).pixels;
    // the page reads RGBA; compare its colour samples with Node's RGB ones
    let worst = 0;
    for (let i = 0; i < 96 * 72; i++) {
      for (let c = 0; c < 3; c++) worst = Math.max(worst, Math.abs(result.output[i * 4 + c] - fromNode.samples[i * 3 + c]));
    }
    expect([result.width, result.height]).toEqual([96, 72]);
    expect(worst).toBeLessThanOrEqual(1);
  } finally {
    await browser.close();
    server.close();
  }
}, 300_000);
