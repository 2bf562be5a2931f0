'use strict';
/**
 * In a source checkout, builds the packages when their compiled output is missing or older
 * than their sources: the repository's .npmrc keeps `npm ci` from running install scripts
 * (onnxruntime-node's would download CUDA binaries from outside the npm registry), so no
 * `prepare` step builds them. A published @dynet/cli ships dist/ and has no src/: nothing to do.
 */
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const root = path.resolve(__dirname, '..', '..', '..');
const PACKAGES = ['graph', 'train', 'infer', 'cli'];

function newestIn(dir) {
  let newest = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestIn(p) : fs.statSync(p).mtimeMs);
  }
  return newest;
}

const missingOutput = () => PACKAGES.some((name) => !fs.existsSync(path.join(root, 'packages', name, 'dist')));

/** Whether some package's sources changed after its last build (or it was never built). */
function stale() {
  return missingOutput() || PACKAGES.some((name) => {
    const pkg = path.join(root, 'packages', name);
    const built = path.join(pkg, 'tsconfig.tsbuildinfo');
    return !fs.existsSync(built) || newestIn(path.join(pkg, 'src')) > fs.statSync(built).mtimeMs;
  });
}

function buildCheckoutIfStale() {
  const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const isCheckout = fs.existsSync(path.join(root, 'tsconfig.json')) && fs.existsSync(path.join(__dirname, '..', 'src'));
  if (!isCheckout || !stale()) return;
  if (!fs.existsSync(tsc)) {
    console.error(`dynet: the packages in ${root} are not built and TypeScript is not installed: run \`npm ci\` there first`);
    process.exit(1);
  }
  console.error('dynet: building the packages (tsc -b, after a fresh clone or a change to the sources)');
  // --force where an output folder is gone: tsc -b trusts its build info and would not rebuild it
  const r = spawnSync(process.execPath, [tsc, '-b', root, ...(missingOutput() ? ['--force'] : [])], { stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`dynet: the build failed (tsc -b ${root} exited ${r.status ?? r.signal})`);
    process.exit(1);
  }
}

module.exports = { buildCheckoutIfStale };
