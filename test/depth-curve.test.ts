/**
 * tools/depth-curve.js (issue 16 item 3) at toy size: two photos, two depths, 64x64 timing. It
 * writes the JSON, the table and the SVG; depth 2,3,3,4 through dynet-any.onnx scores what
 * `dynet eval --variant S` scores on the same images.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT, tmpDir } from './helpers';

test('depth-curve writes a table, JSON and an SVG over the depths asked for, in order', () => {
  const out = tmpDir('depth-curve');
  try {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'tools/depth-curve.js'), '--limit', '2', '--max-size', '96', '--depths', '1,1,1,1', '2,3,3,4',
      '--tasks', 'denoise', 'dehaze', '--time-size', '64', '--runs', '1', '--out', out], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const result = JSON.parse(fs.readFileSync(path.join(out, 'depth-curve.json'), 'utf8'));
    expect(result.rows.map((row: { depth: string }) => row.depth)).toEqual(['1,1,1,1', '2,3,3,4']);
    for (const row of result.rows) {
      expect(row.seconds).toBeGreaterThan(0);
      for (const task of ['denoise', 'dehaze']) expect(row.psnr[task]).toBeGreaterThan(result.degraded[task]);
    }
    // the bundled model was trained at DyNet-S's and -L's depths: at S it beats depth 1,1,1,1
    expect(result.rows[1].psnr.denoise).toBeGreaterThan(result.rows[0].psnr.denoise);
    const table = fs.readFileSync(path.join(out, 'depth-curve.md'), 'utf8');
    expect(table).toMatch(/\| 2,3,3,4 \(S\) \| [\d.]+ \| [\d.]+ \| [\d.]+ \|/);
    const svg = fs.readFileSync(path.join(out, 'depth-curve.svg'), 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/<circle/g)).toHaveLength(4);
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}, 120_000);
