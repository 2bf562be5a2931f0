/** `dynet export --tile`: a model records the tiling it runs best with, and `dynet eval` uses it unless told otherwise. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { onnx } from 'onnx-proto';
import sharp from 'sharp';
import { dynet, listFiles, tmpDir } from './helpers';

let dir: string;

beforeAll(async () => {
  dir = tmpDir('model-tiles');
  const r = dynet(['export', '--preset', 'small', '--variant', 'S', '--tile', '64', '-o', path.join(dir, 'model')]);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  fs.mkdirSync(path.join(dir, 'clean'));
  const pixels = Buffer.from(Array.from({ length: 136 * 96 * 3 }, (_, i) => (i * 37) % 256));
  await sharp(pixels, { raw: { width: 136, height: 96, channels: 3 } }).png().toFile(path.join(dir, 'clean', 'a.png'));
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test('the metadata records dynet.tile and dynet.tile_overlap (default tile/4)', () => {
  const m = onnx.ModelProto.decode(fs.readFileSync(path.join(dir, 'model', 'dynet-s.onnx')));
  const meta = Object.fromEntries(m.metadataProps!.map((p) => [p.key, p.value]));
  expect([meta['dynet.tile'], meta['dynet.tile_overlap']]).toEqual(['64', '16']);
});

test('dynet eval runs in the recommended tiles unless --tile is given', () => {
  const run = (...extra: string[]) => {
    const r = dynet(['eval', '--task', 'denoise', '--sigma', '25', '--data', path.join(dir, 'clean'), '--model', path.join(dir, 'model'), '--json', ...extra]);
    expect(r.status).toBe(0);
    return JSON.parse(r.stdout);
  };
  const recommended = run();
  const whole = run('--tile', '0');
  expect(recommended.tiles).toEqual({ tile: 64, overlap: 16 });
  expect(whole.tiles).toEqual({ tile: 0 });
  // the network's global statistics differ per tile, so the scores differ
  expect(recommended.mean.psnr).not.toBe(whole.mean.psnr);
});

test('--tile that is not a multiple of 8 is refused before anything is written', () => {
  const out = path.join(dir, 'bad');
  const r = dynet(['export', '--preset', 'small', '--variant', 'S', '--tile', '60', '-o', out]);
  expect(r.status).toBe(1);
  expect(r.stderr).toMatch(/--tile must be a positive multiple of 8, got 60/);
  expect(listFiles(out)).toEqual([]);
});
