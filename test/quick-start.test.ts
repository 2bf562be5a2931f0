/**
 * The README's quick start, as written: every command between `npm ci` and `npm test` (which
 * .ci/run itself runs) is run in the repository root, in order, and must succeed and write
 * what it says. The outputs go to out/ (git-ignored), removed afterwards.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT } from './helpers';

const OUT = path.join(ROOT, 'out');

function quickStartCommands(): string[] {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const section = readme.split('\n## ')[1] ?? '';
  if (!section.startsWith('Quick start')) throw new Error('README.md: the first section is not "Quick start"');
  const block = /```sh\n([\s\S]*?)```/.exec(section);
  if (!block) throw new Error('README.md: no ```sh block in "Quick start"');
  return block[1].split('\n').map((l) => l.replace(/\s+#.*$/, '').trim()).filter(Boolean);
}

afterAll(() => fs.rmSync(OUT, { recursive: true, force: true }));

test('the README quick start starts with npm ci and ends with npm test', () => {
  const commands = quickStartCommands();
  expect(commands[0]).toBe('npm ci');
  expect(commands[commands.length - 1]).toBe('npm test');
});

test('every quick-start command between them runs as written, without an npm warning, and writes its outputs', () => {
  fs.rmSync(OUT, { recursive: true, force: true });
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
  for (const command of quickStartCommands().slice(1, -1)) {
    const r = spawnSync('bash', ['-c', command], { cwd: ROOT, env, encoding: 'utf8' });
    expect([command, r.status, r.stderr]).toEqual([command, 0, expect.not.stringMatching(/npm warn|Error/)]);
  }
  for (const f of ['restored.png', 'graphs/dynet-s.onnx', 'graphs/dynet.weights.bin']) expect([f, fs.existsSync(path.join(OUT, f))]).toEqual([f, true]);
}, 300_000);
