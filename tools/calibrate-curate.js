#!/usr/bin/env node
/**
 * Reproduces the figures behind the default curation thresholds (docs/curation.md): every
 * metric on the sample photos and on copies damaged by Gaussian blur, JPEG and Gaussian noise
 * (min / median / max over the photos per level, and the share each default drops), then the
 * histogram of 16x16-cell gradient energies that places the flat threshold.
 *
 *   npm run build && node tools/calibrate-curate.js [--photos DIR] [--limit N]
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const yargs = require('yargs');
const t = require('@dynet/train');
const { cellEnergy } = require('../packages/train/dist/curate/flat.js');

const args = yargs(process.argv.slice(2))
  .option('photos', { type: 'string', default: path.resolve(__dirname, '..', '..', 'shared', 'datasets', 'photos') })
  .option('limit', { type: 'number', default: Infinity, describe: 'use the first N photos' })
  .strict()
  .parseSync();

const LADDERS = { blur: [1, 1.5, 2, 3, 5], jpeg: [90, 75, 50, 30, 15, 5], noise: [2, 5, 10, 20, 35, 50] };
const METRICS = [['niqe', 'niqeMax'], ['blur', 'blurMax'], ['laplacianVar', null], ['blockiness', 'blockinessMax'], ['jpegQuality', null]];
const D = t.CURATE_DEFAULTS;

const stat = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const f = (v) => (Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(3));
  return `${f(s[0])}/${f(s[s.length >> 1])}/${f(s[s.length - 1])}`;
};

(async () => {
  const model = t.readNiqeModel(t.DEFAULT_NIQE_MODEL).model;
  const names = fs.readdirSync(args.photos).filter((f) => f.endsWith('.png')).sort().slice(0, args.limit);
  const rows = new Map(); // "damage level" -> [{scores, failed}]
  const energies = [];
  for (const name of names) {
    const img = await t.decodeImage(path.join(args.photos, name));
    const grey = t.toGray(img, [0.299, 0.587, 0.114]);
    for (let y = 0; y + 16 <= grey.height; y += 16) for (let x = 0; x + 16 <= grey.width; x += 16) energies.push(cellEnergy(grey, x, y, 16));
    const variants = [['original', 0]];
    for (const [kind, levels] of Object.entries(LADDERS)) for (const l of levels) variants.push([kind, l]);
    for (const [kind, level] of variants) {
      const copy = kind === 'original' ? img : await t.damage(img, kind, level);
      const key = `${kind} ${level}`;
      if (!rows.has(key)) rows.set(key, []);
      rows.get(key).push(t.scoreImage(copy, D, model));
    }
    process.stderr.write('.');
  }
  process.stderr.write('\n');
  console.log(`${names.length} photos; min/median/max per copy; "drop" = share failing that metric's default (${D.niqeMax}, ${D.blurMax}, ${D.blockinessMax})`);
  console.log(['copy', ...METRICS.map(([m]) => m), 'dropped (any)'].join('\t'));
  for (const [key, rs] of rows) {
    const cols = METRICS.map(([m, th]) => {
      const v = rs.map((r) => r.scores[m] ?? Infinity);
      const drop = th ? ` drop ${Math.round((100 * rs.filter((r) => r.failed.includes(m)).length) / rs.length)}%` : '';
      return `${stat(v)}${drop}`;
    });
    console.log([key, ...cols, `${Math.round((100 * rs.filter((r) => r.failed.length).length) / rs.length)}%`].join('\t'));
  }
  console.log('\n16x16 cells of the photos by gradient energy E (log2 bins of width 0.5):');
  const hist = new Map();
  for (const e of energies) {
    const b = Math.max(-3, Math.floor(Math.log2(Math.max(e, 1e-9)) * 2) / 2);
    hist.set(b, (hist.get(b) ?? 0) + 1);
  }
  const max = Math.max(...hist.values());
  for (const [b, n] of [...hist].sort((a, b2) => a[0] - b2[0])) console.log(`E ${b <= -3 ? '<' : '~'} 2^${b}\t${n}\t${'#'.repeat(Math.round((60 * n) / max))}`);
  const flat = energies.filter((e) => e < D.flatEnergy).length / energies.length;
  console.log(`cells below the default ${D.flatEnergy}: ${(100 * flat).toFixed(1)}%`);
})().catch((err) => {
  console.error(`calibrate-curate: ${err.message}`);
  process.exit(1);
});
