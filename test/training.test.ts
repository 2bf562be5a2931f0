/**
 * Training artifacts against the authors' fixtures (issue 3): gradients of the l1 and
 * l1-clamped losses, three AdamW steps, standard ops only, and node/web runtime agreement.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ortNode from 'onnxruntime-node';
import { onnx } from 'onnx-proto';
import {
  ADAMW_DEFAULTS,
  FLAT_NAMES,
  FULL,
  SMALL,
  StateDict,
  Variant,
  buildTrainingGraph,
  dynetParameterSpecs,
  initParameters,
  loadParameters,
  readNpy,
  serializeGraph,
} from '@dynet/graph';
import { ARTIFACT_FILES, ArtifactManifest, TrainingSession, nchwcBlockSize, writeArtifacts } from '@dynet/train';
import { CHECKPOINT, REFERENCE, ROOT, maxAbsDiff, tmpDir } from './helpers';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const ortWeb: typeof ortNode = require('onnxruntime-web');

interface GradStats { shape: number[]; l2: number; absmax: number; samples: [number, number][] }
interface LossCase { loss: number; grads: Record<string, GradStats | null> }
interface RefCase { variant: Variant; input: string; target: string; l1: LossCase; l1_clamped: LossCase; adamw_l1_clamped: { lr: number; losses_before_each_step_then_after: number[] } }
const reference = JSON.parse(fs.readFileSync(path.join(REFERENCE, 'reference.json'), 'utf8')).gradients as Record<string, RefCase>;

let dir: string;
let weights: StateDict;
beforeAll(() => {
  dir = tmpDir('training');
  weights = loadParameters(CHECKPOINT, dynetParameterSpecs(FULL));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The tolerances: loss 1e-5 relative; per parameter L2 norm 1e-3 relative, samples 1e-4 x absmax + 1e-8. */
function expectGradientsMatch(loss: number, grads: Map<string, Float32Array>, ref: LossCase): void {
  expect(Math.abs(loss - ref.loss) / ref.loss).toBeLessThanOrEqual(1e-5);
  const problems: string[] = [];
  for (const [name, stats] of Object.entries(ref.grads)) {
    const g = grads.get(name);
    if (stats === null) {
      if (g) problems.push(`${name}: has a gradient, the reference has none`);
      continue;
    }
    if (!g) {
      problems.push(`${name}: no gradient`);
      continue;
    }
    const l2 = Math.sqrt(g.reduce((s, v) => s + v * v, 0));
    if (Math.abs(l2 - stats.l2) > 1e-3 * stats.l2) problems.push(`${name}: L2 ${l2} vs ${stats.l2}`);
    for (const [i, v] of stats.samples) {
      if (Math.abs(g[i] - v) > 1e-4 * stats.absmax + 1e-8) problems.push(`${name}[${i}]: ${g[i]} vs ${v}`);
    }
  }
  expect(problems).toEqual([]);
  expect(grads.size).toBe(Object.values(ref.grads).filter((s) => s !== null).length);
}

describe.each([
  ['S', 'a'],
  ['L', 'a_L'],
] as const)('DyNet-%s, reference case %s', (variant, caseName) => {
  const c = () => reference[caseName];
  const batch = () => ({ input: readNpy(path.join(REFERENCE, c().input)), target: readNpy(path.join(REFERENCE, c().target)) });

  test.each(['standard ops', 'blocks recomputed', 'NCHWc CPU kernels'])('l1: loss and every parameter gradient match the reference (%s)', async (build) => {
    const { input, target } = batch();
    const recompute = build === 'blocks recomputed';
    const nchwcBlock = build === 'NCHWc CPU kernels' ? await nchwcBlockSize() : 0;
    // every x86-64 and arm64 build of onnxruntime-node has the NCHWc kernels
    if (build === 'NCHWc CPU kernels') expect(nchwcBlock).toBeGreaterThan(0);
    const graph = buildTrainingGraph(FULL, variant, 'l1', { batch: 1, height: input.shape[2], width: input.shape[3] }, { recompute, nchwcBlock });
    // recomputation copies every transformer block's nodes into the backward pass
    expect(graph.nodes.some((n) => n.name.startsWith('recompute/'))).toBe(recompute);
    // one blocked depthwise convolution per depthwise weight gradient
    expect(graph.nodes.filter((n) => n.opType === 'com.microsoft.nchwc.Conv').length > 0).toBe(nchwcBlock > 0);
    const file = path.join(dir, `training-l1-${variant}-${build.replace(/ /g, '-')}.onnx`);
    fs.writeFileSync(file, serializeGraph(graph, { metadata: {}, producerVersion: 'test' }));
    const session = await ortNode.InferenceSession.create(file, { intraOpNumThreads: 2 });
    const feeds: Record<string, ortNode.Tensor> = {
      input: new ortNode.Tensor('float32', input.data, input.shape),
      target: new ortNode.Tensor('float32', target.data, target.shape),
    };
    for (const name of session.inputNames) {
      const w = weights.get(name);
      if (w) feeds[name] = new ortNode.Tensor('float32', w.data, w.shape);
    }
    const out = await session.run(feeds);
    await session.release();
    const grads = new Map(
      Object.entries(out)
        .filter(([k]) => k.endsWith('_grad'))
        .map(([k, t]) => [k.slice(0, -'_grad'.length), t.data as Float32Array]),
    );
    expectGradientsMatch((out.loss.data as Float32Array)[0], grads, c().l1);
  });

  test('l1-clamped: gradients match, then three AdamW steps reproduce the reference losses (split and fused graphs)', async () => {
    const { input, target } = batch();
    const out = path.join(dir, `artifacts-${variant}`);
    writeArtifacts({
      config: FULL,
      variant,
      loss: 'l1-clamped',
      shape: { batch: 1, height: input.shape[2], width: input.shape[3] },
      hyper: ADAMW_DEFAULTS,
      weights,
      outDir: out,
      fused: variant === 'S',
    });
    const expected = c().adamw_l1_clamped.losses_before_each_step_then_after;
    const lr = c().adamw_l1_clamped.lr;
    const split = await TrainingSession.open(out, { threads: 2 });
    const losses: number[] = [];
    for (let step = 0; step < 3; step++) {
      losses.push(await split.trainStep(input.data, target.data));
      if (step === 0) expectGradientsMatch(losses[0], split.gradients(), c().l1_clamped);
      await split.optimizerStep(lr);
    }
    losses.push((await split.evalStep(input.data, target.data)).loss);
    await split.release();
    losses.forEach((l, i) => expect(Math.abs(l - expected[i]) / expected[i]).toBeLessThanOrEqual(1e-5));
    if (variant === 'S') {
      // the fused step, as built, as built with recomputation (train --recompute) and as train
      // builds it for the CPU (NCHWc kernels)
      const shape = { batch: 1, height: input.shape[2], width: input.shape[3] };
      const recomputed = path.join(dir, `artifacts-${variant}-recompute`);
      writeArtifacts({ config: FULL, variant, loss: 'l1-clamped', shape, hyper: ADAMW_DEFAULTS, weights, outDir: recomputed, fused: true, checkpoint: false, recompute: true });
      const blocked = path.join(dir, `artifacts-${variant}-nchwc`);
      writeArtifacts({ config: FULL, variant, loss: 'l1-clamped', shape, hyper: ADAMW_DEFAULTS, weights, outDir: blocked, fused: true, checkpoint: false, nchwcBlock: await nchwcBlockSize() });
      for (const folder of [out, recomputed, blocked]) {
        const fused = await TrainingSession.open(folder, { threads: 2, fused: true, checkpoint: path.join(out, ARTIFACT_FILES.checkpoint) });
        const fusedLosses: number[] = [];
        for (let step = 0; step < 3; step++) fusedLosses.push(await fused.fusedStep(input.data, target.data, lr));
        fusedLosses.push((await fused.evalStep(input.data, target.data)).loss);
        await fused.release();
        fusedLosses.forEach((l, i) => expect([folder, i, Math.abs(l - expected[i]) / expected[i] <= 1e-5]).toEqual([folder, i, true]));
      }
    }
  });
});

test('what ONNX Runtime keeps alive in the order it runs a fused step: about the graph order\'s peak, and with recomputation at most a third of that (tools/memory-plan.js, SMALL preset, batch 1, 64x64)', () => {
  const peak = (...flags: string[]) => {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'tools/memory-plan.js'), '--preset', 'small', '--batch', '1', '--size', '64', '--json', ...flags], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr);
    return JSON.parse(r.stdout).peakMiB as number;
  };
  const [planned, kept, recomputed] = [peak(), peak('--runtime'), peak('--runtime', '--recompute')];
  // the weight-gradient ties make the runtime's depth-first order keep what the graph's order
  // does (without them: 1.29x)
  expect(kept).toBeLessThanOrEqual(1.1 * planned);
  expect(recomputed).toBeLessThanOrEqual(kept / 3);
}, 60_000);

test('every artifact uses default-domain ops only, and S and L train the same parameter set', () => {
  const manifest = (v: Variant) => JSON.parse(fs.readFileSync(path.join(dir, `artifacts-${v}`, ARTIFACT_FILES.manifest), 'utf8')) as ArtifactManifest;
  const names = (v: Variant) => manifest(v).trained.map((t) => `${t.name}:${t.shape}`).sort();
  expect(names('S')).toEqual(names('L'));
  expect(names('S')).toHaveLength(179);
  for (const v of ['S', 'L'] as const) {
    for (const f of Object.values(manifest(v).files)) {
      if (!f!.endsWith('.onnx')) continue;
      const model = onnx.ModelProto.decode(fs.readFileSync(path.join(dir, `artifacts-${v}`, f!)));
      expect(model.opsetImport!.map((o) => `${o.domain}:${o.version}`)).toEqual([':17']);
      expect(new Set(model.graph!.node!.map((n) => n.domain ?? ''))).toEqual(new Set(['']));
    }
  }
});

describe('onnxruntime-node and onnxruntime-web (wasm) agree on every artifact (SMALL preset, batch 2, 16x24)', () => {
  const out = () => path.join(dir, 'artifacts-small');
  const shape = [2, 3, 16, 24];
  const n = shape.reduce((a, b) => a * b, 1);
  const input = Float32Array.from({ length: n }, (_, i) => (Math.sin(i * 0.7) + 1) / 2);
  const target = Float32Array.from({ length: n }, (_, i) => (Math.cos(i * 0.3) + 1) / 2);

  beforeAll(() => {
    const specs = dynetParameterSpecs(SMALL);
    writeArtifacts({ config: SMALL, variant: 'S', loss: 'l1-clamped', shape: { batch: 2, height: 16, width: 24 }, hyper: ADAMW_DEFAULTS, weights: initParameters(specs, 3), outDir: out(), fused: true });
    ortWeb.env.wasm.numThreads = 1;
  });

  // second moments are non-negative, as AdamW keeps them, and kept away from 0 so AdamW's
  // m / sqrt(v) does not amplify rounding differences
  const moment = (name: string, i: number) => (name.endsWith('_sq') ? 1e-4 * (1.5 + Math.cos(i)) : 1e-3 * Math.cos(i));

  function feedsFor(session: { inputNames: readonly string[] }, ort: typeof ortNode, m: ArtifactManifest): Record<string, ortNode.Tensor> {
    const params = initParameters(dynetParameterSpecs(SMALL), 3);
    const feeds: Record<string, ortNode.Tensor> = {};
    for (const name of session.inputNames) {
      if (name === 'input' || name === 'target') feeds[name] = new ort.Tensor('float32', name === 'input' ? input : target, shape);
      else if (name === 'learning_rate') feeds[name] = new ort.Tensor('float32', new Float32Array([1e-3]), []);
      else if (name === 'step') feeds[name] = new ort.Tensor('float32', new Float32Array([3]), []);
      else if (name === FLAT_NAMES.parameters) {
        const flat = Float32Array.from(m.trained.flatMap((t) => Array.from(params.get(t.name)!.data)));
        feeds[name] = new ort.Tensor('float32', flat, [flat.length]);
      } else if (name === FLAT_NAMES.expAvg || name === FLAT_NAMES.expAvgSq) {
        const size = m.trained.reduce((s, t) => s + t.shape.reduce((a, b) => a * b, 1), 0);
        const data = Float32Array.from({ length: size }, (_, i) => moment(name, i));
        feeds[name] = new ort.Tensor('float32', data, [size]);
      } else {
        const base = name.replace(/(_grad|\.exp_avg|\.exp_avg_sq)$/, '');
        const spec = m.trained.find((t) => t.name === base)!;
        const size = spec.shape.reduce((a, b) => a * b, 1);
        const data = name === base ? params.get(base)!.data : Float32Array.from({ length: size }, (_, i) => moment(name, i));
        feeds[name] = new ort.Tensor('float32', data, spec.shape);
      }
    }
    return feeds;
  }

  test.each(['training', 'eval', 'optimizer', 'fused'] as const)('%s graph: outputs agree within 1e-5', async (kind) => {
    const m = JSON.parse(fs.readFileSync(path.join(out(), ARTIFACT_FILES.manifest), 'utf8')) as ArtifactManifest;
    const file = path.join(out(), ARTIFACT_FILES[kind]);
    const node = await ortNode.InferenceSession.create(file);
    const web = await ortWeb.InferenceSession.create(fs.readFileSync(file), { executionProviders: ['wasm'] });
    const a = await node.run(feedsFor(node, ortNode, m));
    const b = await web.run(feedsFor(web, ortWeb, m));
    expect(Object.keys(b).sort()).toEqual(Object.keys(a).sort());
    let worst = 0;
    for (const k of Object.keys(a)) worst = Math.max(worst, maxAbsDiff(a[k].data as Float32Array, b[k].data as Float32Array));
    expect(worst).toBeLessThanOrEqual(1e-5);
    await node.release();
    await web.release();
  });
});
