/** The `dynet` command end to end: info figures, convert, and bad input. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FULL, dynetParameterSpecs, loadParameters, writeSafetensors } from '@dynet/graph';
import { CHECKPOINT, ROOT, dynet, listFiles, tmpDir } from './helpers';

let dir: string;
beforeAll(() => (dir = tmpDir('cli')));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('dynet info', () => {
  test.each([
    ['S', '90,806,997,792'],
    ['L', '132,227,693,472'],
  ])('%s at 224x224: 16,726,031 parameters (16,613,135 on the forward path), %s MACs', (variant, macs) => {
    const r = dynet(['info', '--variant', variant, '--size', '224', '224']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('16,726,031 (16,613,135 on the forward path)');
    expect(r.stdout).toContain(`${macs} (`);
  });

  test('--json: MACs scale with the pixel count except the prompt linear layers (5 x l per image)', () => {
    const at = (s: number) => JSON.parse(dynet(['info', '--variant', 'S', '--size', `${s}`, `${s}`, '--json']).stdout).macs;
    const linearMacs = 5 * (96 + 192 + 384);
    expect(at(224) - linearMacs).toBe(4 * (at(112) - linearMacs));
  });

  test('a size that is not a multiple of 8 is refused', () => {
    const r = dynet(['info', '--size', '100', '100']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/multiples of 8/);
  });
});

test('convert writes a safetensors file that exports to the same weights as the checkpoint', () => {
  const st = path.join(dir, 'seed0.safetensors');
  expect(dynet(['convert', CHECKPOINT, st]).status).toBe(0);
  const fromCkpt = path.join(dir, 'from-ckpt');
  const fromSt = path.join(dir, 'from-st');
  expect(dynet(['export', '--variant', 'S', '--weights', CHECKPOINT, '-o', fromCkpt]).status).toBe(0);
  expect(dynet(['export', '--variant', 'S', '--weights', st, '-o', fromSt]).status).toBe(0);
  const weights = (d: string) => fs.readFileSync(path.join(d, 'dynet.weights.bin'));
  expect(weights(fromCkpt).equals(weights(fromSt))).toBe(true);
});

describe('bad weights give a one-line error naming the file, a non-zero exit and no output', () => {
  function expectRefused(weights: string, problem: RegExp): void {
    const out = path.join(dir, `out-${path.basename(weights)}`);
    const r = dynet(['export', '--weights', weights, '-o', out]);
    expect(r.status).not.toBe(0);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(weights);
    expect(r.stderr).toMatch(problem);
    expect(listFiles(out)).toEqual([]);
  }

  test('a truncated checkpoint', () => {
    const f = path.join(dir, 'truncated.ckpt');
    fs.writeFileSync(f, fs.readFileSync(CHECKPOINT).subarray(0, 5_000_000));
    expectRefused(f, /truncated|corrupt|zip/i);
  });

  test('a file that is not a zip', () => {
    const f = path.join(dir, 'notes.ckpt');
    fs.writeFileSync(f, 'these are not weights\n');
    expectRefused(f, /not a PyTorch zip checkpoint/);
  });

  test('a pickle that names a callable outside the tensor-rebuild set', () => {
    const evil = path.join(ROOT, 'packages/graph/test/fixtures/torch/evil.pt');
    expectRefused(evil, /os.*system/);
  });

  test('a Lightning checkpoint whose hyper-parameters name os.system beside a Namespace', () => {
    expectRefused(path.join(ROOT, 'packages/graph/test/fixtures/torch/lightning-evil-hparams.ckpt'), /'os system'/);
  });

  test('a state dict with a wrong shape', () => {
    const params = loadParameters(CHECKPOINT, dynetParameterSpecs(FULL));
    const w = params.get('output.weight')!;
    params.set('output.weight', { shape: [3, 96, 9, 1], data: w.data });
    const f = path.join(dir, 'wrong-shape.safetensors');
    writeSafetensors(f, params);
    expectRefused(f, /'output\.weight' has shape \[3,96,9,1\], expected \[3,96,3,3\]/);
  });

  test('a missing file', () => {
    expectRefused(path.join(dir, 'absent.ckpt'), /ENOENT|cannot read|no such file/i);
  });
});
