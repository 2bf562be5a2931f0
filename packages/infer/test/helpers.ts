/**
 * Shared by the infer tests: temporary folders, model folders written with @dynet/graph (the
 * tests may use it; the library may not), and an in-process stand-in runner.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Graph, SMALL, dynetParameterSpecs, encodeWeights, exportDynet, initParameters, layoutWeights, ops, serializeGraph } from '@dynet/graph';
import { ModelRunner } from '../src';

export function tmpDir(tag: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `dynet-infer-${tag}-`));
}

/** DyNet-S and -L of the small preset with seeded initial weights (fast; not a trained network). */
export function exportSmall(dir: string, seed = 0): string {
  exportDynet({ config: SMALL, variants: ['S', 'L'], outDir: dir, weights: initParameters(dynetParameterSpecs(SMALL), seed), source: `init seed ${seed}` });
  return dir;
}

/**
 * A model folder laid out as `dynet export` writes it, whose graph is a small convolution stack:
 * 'identity' (a 1x1 convolution with the identity matrix: output = input exactly) or 'local'
 * (two 3x3 convolutions, each output depends on inputs within 2 samples).
 */
export function writeStandInModel(dir: string, kind: 'identity' | 'local'): string {
  const g = new Graph();
  let x = g.input('input', 'float32', ['N', 3, 'H', 'W']);
  const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
  const layers = kind === 'identity' ? [1] : [3, 3];
  layers.forEach((k, i) => {
    const shape = [3, 3, k, k];
    const data = new Float32Array(9 * k * k);
    for (let o = 0; o < 3; o++) for (let c = 0; c < 3; c++) for (let j = 0; j < k * k; j++) data[((o * 3 + c) * k * k) + j] = kind === 'identity' ? (o === c ? 1 : 0) : ((o + 2 * c + j) % 5) / 40;
    tensors.set(`layer${i}.weight`, { shape, data });
    const p = (k - 1) / 2;
    x = ops.conv(x, g.param(`layer${i}.weight`, shape), { kernel_shape: [k, k], pads: [p, p, p, p] });
  });
  g.output(x, 'output');
  const layout = layoutWeights('dynet.weights.bin', [...tensors].map(([name, t]) => ({ name, shape: t.shape })));
  const weights = encodeWeights(layout, tensors);
  const metadata = {
    'dynet.variant': 'S',
    'dynet.weights_file': 'dynet.weights.bin',
    'dynet.weights_sha256': createHash('sha256').update(weights).digest('hex'),
  };
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'dynet.weights.bin'), weights);
  const bytes = serializeGraph(g, { weights: layout, metadata, producerVersion: 'test' });
  fs.writeFileSync(path.join(dir, 'dynet-s.onnx'), bytes);
  fs.writeFileSync(path.join(dir, 'dynet-l.onnx'), bytes);
  return dir;
}

/** A runner that returns its input and records the shapes it was given. */
export class IdentityRunner implements ModelRunner {
  readonly backend = 'identity';
  readonly shapes: number[][] = [];
  async run(data: Float32Array, shape: readonly [number, number, number, number]): Promise<Float32Array> {
    this.shapes.push([...shape]);
    return data.slice();
  }
  async release(): Promise<void> {}
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError(`lengths differ: ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** A smooth, textured test image in [0, 1] (deterministic). */
export function testPattern(width: number, height: number): Float32Array {
  const n = width * height;
  const data = new Float32Array(3 * n);
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const v = 0.5 + 0.3 * Math.sin(x * 0.07 + 2 * c) * Math.cos(y * 0.045 - c) + 0.15 * Math.sin((x + 3 * y) * 0.9 + c);
        data[c * n + y * width + x] = Math.min(1, Math.max(0, v));
      }
    }
  }
  return data;
}
