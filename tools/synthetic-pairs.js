'use strict';
/** degraded/ and clean/ folders of synthetic rain or haze made from photos (seeded per photo), as the evaluation tools score them. */
const fs = require('node:fs');
const path = require('node:path');
const sharp = require('sharp');
const train = require('@dynet/train');

async function syntheticPairs(dir, files, kind, seed) {
  for (const sub of ['degraded', 'clean']) fs.mkdirSync(path.join(dir, sub), { recursive: true });
  for (const [i, f] of files.entries()) {
    const { data, info } = await sharp(f).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
    const rng = new train.Rng(seed, i, kind === 'rain' ? 1 : 2);
    const img = new Uint8Array(data.buffer, data.byteOffset, data.length);
    const out = kind === 'rain'
      ? train.addRain(img, info.width, info.height, train.drawRainParams(rng), rng)
      : train.addHaze(img, info.width, info.height, train.drawHazeParams(rng), rng);
    const name = path.basename(f);
    const raw = { raw: { width: info.width, height: info.height, channels: 3 } };
    await sharp(Buffer.from(out), raw).png().toFile(path.join(dir, 'degraded', name));
    await sharp(Buffer.from(img), raw).png().toFile(path.join(dir, 'clean', name));
  }
}

module.exports = { syntheticPairs };
