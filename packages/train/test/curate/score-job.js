/**
 * Scores damaged copies of the sample photos with the built library, outside Jest: numeric code
 * runs tens of times slower inside Jest's vm contexts. Reads a JSON job on stdin,
 * [{ photo, damage, level }], and writes [{ photo, damage, level, scores, failed }] on stdout.
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const t = require('../../dist/curate/index.js');

(async () => {
  const { photos, jobs } = JSON.parse(fs.readFileSync(0, 'utf8'));
  const model = t.readNiqeModel(t.DEFAULT_NIQE_MODEL).model;
  const cache = new Map();
  const out = [];
  for (const j of jobs) {
    if (!cache.has(j.photo)) cache.set(j.photo, await t.decodeImage(path.join(photos, j.photo)));
    const img = await t.damage(cache.get(j.photo), j.damage, j.level);
    out.push({ ...j, ...t.scoreImage(img, t.CURATE_DEFAULTS, model) });
  }
  process.stdout.write(JSON.stringify(out));
})().catch((err) => {
  process.stderr.write(`${err.stack}\n`);
  process.exit(1);
});
