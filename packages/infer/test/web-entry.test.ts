/**
 * The browser side stays browser-only: the `web` entry point bundles without sharp,
 * onnxruntime-node, @dynet/graph or Node built-ins, and the page and the code it shares
 * type-check against the DOM library with no Node types.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { buildWebPage, PAGE_SOURCE_DIR } from '../src';

const ROOT = path.resolve(__dirname, '../../..');

test('src/web.ts bundles for the browser from our own modules and onnxruntime-web only, in under 40 kB', async () => {
  const result = await esbuild.build({
    entryPoints: [path.resolve(__dirname, '../src/web.ts')],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    minify: true,
    write: false,
    metafile: true,
    external: ['onnxruntime-web'],
    logLevel: 'silent',
  });
  const inputs = Object.keys(result.metafile.inputs);
  expect(inputs.filter((f) => !f.startsWith('packages/infer/src/'))).toEqual([]);
  expect(inputs.filter((f) => f.includes('/src/node/') || f.endsWith('node-runner.ts'))).toEqual([]);
  expect(inputs).toContain('packages/infer/src/web/load-web-restorer.ts');
  expect(result.outputFiles[0].contents.byteLength).toBeLessThan(40_000);
});

test('the page bundle holds our code only; onnxruntime-web is served beside it', async () => {
  const files = await buildWebPage();
  expect([...files.keys()].sort()).toEqual([
    'app.js', 'index.html', 'ort-wasm-simd-threaded.jsep.wasm', 'ort-wasm-simd-threaded.wasm', 'ort.bundle.min.mjs', 'ort.wasm.bundle.min.mjs', 'style.css',
  ]);
  expect(files.get('app.js')!.bytes.byteLength).toBeLessThan(40_000);
});

test('the page and the modules it shares type-check with the DOM library and no Node types', () => {
  const tsc = path.join(ROOT, 'node_modules/typescript/bin/tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', path.join(PAGE_SOURCE_DIR, 'tsconfig.json')], { encoding: 'utf8' });
  expect(r.stdout + r.stderr).toBe('');
  expect(r.status).toBe(0);
});
