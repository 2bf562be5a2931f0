#!/usr/bin/env node
// Builds dist/: the page, main.js bundled with esbuild, the bundled model's files and
// onnxruntime-web's WebAssembly runtime, which the page loads from ./ort/.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const esbuild = require('esbuild');

const out = path.join(__dirname, 'dist');
fs.rmSync(out, { recursive: true, force: true });
fs.mkdirSync(path.join(out, 'model'), { recursive: true });
fs.mkdirSync(path.join(out, 'ort'), { recursive: true });

esbuild.buildSync({
  entryPoints: [path.join(__dirname, 'main.js')],
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  outfile: path.join(out, 'main.js'),
  // onnxruntime-web's WebAssembly-only build: half the size of the default one (which adds WebGPU)
  alias: { 'onnxruntime-web': 'onnxruntime-web/wasm' },
  logLevel: 'warning',
});
fs.copyFileSync(path.join(__dirname, 'index.html'), path.join(out, 'index.html'));

// The bundled all-in-one model, exported by `dynet export`: the graph and its weights file.
const model = path.dirname(require.resolve('@dynet/infer/models/all-in-one-small/dynet-s.onnx'));
for (const f of ['dynet-s.onnx', 'dynet.weights.bin']) fs.copyFileSync(path.join(model, f), path.join(out, 'model', f));

// onnxruntime-web fetches its WebAssembly binary and loader at run time (ort.env.wasm.wasmPaths).
const ortDist = path.dirname(require.resolve('onnxruntime-web')); // its dist/ folder
for (const f of fs.readdirSync(ortDist)) {
  if (/^ort-wasm-simd-threaded\.(wasm|mjs)$/.test(f)) fs.copyFileSync(path.join(ortDist, f), path.join(out, 'ort', f));
}
console.log(`built ${path.relative(process.cwd(), out) || '.'}/`);
