#!/usr/bin/env node
// Restores one image (noise, rain or haze) with @dynet/infer's bundled model on the CPU:
//   node restore.js IN.png OUT.png
'use strict';
const fs = require('node:fs');
const { formatOfPath, loadRestorer, restoreImageFile } = require('@dynet/infer');

async function main() {
  const [input, output] = process.argv.slice(2);
  if (!input || !output) {
    console.error('usage: node restore.js IN OUT   (PNG, JPEG or WebP)');
    process.exit(2);
  }
  const restorer = await loadRestorer(); // the bundled model, on onnxruntime-node's CPU provider
  const started = Date.now();
  const bytes = await restoreImageFile(restorer, input, formatOfPath(output));
  fs.writeFileSync(output, bytes);
  await restorer.release();
  console.log(`${input} -> ${output} in ${((Date.now() - started) / 1000).toFixed(2)} s`);
}

main().catch((err) => {
  console.error(`restore.js: ${err.message}`);
  process.exit(1);
});
