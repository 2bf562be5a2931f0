#!/usr/bin/env node
/**
 * The GPU check's measurements, per device (tools/gpu-check.sh runs this; it also runs alone):
 *   - full-preset DyNet-S and DyNet-L fused training steps (AdamW, L1 on the clamped output) at
 *     batch 8, 128x128: first step, median step, the loss of step 1, GPU memory taken;
 *   - the small preset's steps/s at batch 16, 64x64 (how the bundled model trains);
 *   - DyNet-S inference at 512x512: median time, and the largest difference to the CPU's output;
 *   - as a same-run peer, the same training step in PyTorch on CUDA (tools/dynet_torch.py) when
 *     python3 has torch with CUDA.
 * All devices start from the same weights and batch, so their step-1 losses must agree (1e-3
 * relative to the CPU's, or to the first device's when the CPU is not measured).
 *
 * Usage: node tools/gpu-check.js [--devices cuda,webgpu,cpu] [--steps 20] [--cpu-steps 2]
 *          [--variants S,L] [--batch 8] [--size 128] [--small-batch 16] [--small-size 64]
 *          [--infer-size 512] [--train-preset full|small] [--torch auto|no] [--budget-s 420]
 *          [--recompute] [--json FILE]
 * --recompute measures the training steps with blocks recomputed in the backward pass
 * (train --recompute): the GPU memory it saves and the time it costs.
 *        node tools/gpu-check.js --report A.json B.json ...   (one table from several runs)
 * Exit status: 0 when every measured device ran and agreed, 1 otherwise.
 */
'use strict';
const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { parseArgs } = require('node:util');

const LOSS_TOLERANCE = 1e-3;
const INFER_TOLERANCE = 1e-3;

function options() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      devices: { type: 'string', default: 'cuda,webgpu,cpu' },
      steps: { type: 'string', default: '20' },
      'cpu-steps': { type: 'string', default: '2' },
      variants: { type: 'string', default: 'S,L' },
      batch: { type: 'string', default: '8' },
      size: { type: 'string', default: '128' },
      'small-batch': { type: 'string', default: '16' },
      'small-size': { type: 'string', default: '64' },
      'infer-size': { type: 'string', default: '512' },
      'train-preset': { type: 'string', default: 'full' },
      torch: { type: 'string', default: 'auto' },
      'budget-s': { type: 'string', default: '420' },
      json: { type: 'string' },
      recompute: { type: 'boolean', default: false },
      report: { type: 'boolean', default: false },
    },
  });
  const int = (name) => {
    const v = Number(values[name]);
    if (!Number.isInteger(v) || v < 0) throw new Error(`--${name} must be a whole number, got ${values[name]}`);
    return v;
  };
  const devices = values.devices.split(',').filter(Boolean);
  for (const d of devices) if (!['cuda', 'webgpu', 'cpu'].includes(d)) throw new Error(`--devices: unknown device ${d} (cuda, webgpu, cpu)`);
  const variants = values.variants.split(',').filter(Boolean);
  for (const v of variants) if (!['S', 'L'].includes(v)) throw new Error(`--variants: unknown variant ${v} (S, L)`);
  if (!['full', 'small'].includes(values['train-preset'])) throw new Error('--train-preset must be full or small');
  if (!['auto', 'no'].includes(values.torch)) throw new Error('--torch must be auto or no');
  return {
    report: values.report ? positionals : null,
    devices,
    variants,
    steps: int('steps'),
    cpuSteps: int('cpu-steps'),
    batch: int('batch'),
    size: int('size'),
    smallBatch: int('small-batch'),
    smallSize: int('small-size'),
    inferSize: int('infer-size'),
    trainPreset: values['train-preset'],
    torch: values.torch,
    budgetS: int('budget-s'),
    json: values.json,
    recompute: values.recompute,
  };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : NaN;
};
const seconds = (t0) => Number(process.hrtime.bigint() - t0) / 1e9;

/** GPU memory in use (MiB, all processes) from nvidia-smi, or null where there is none. */
function gpuMemoryMiB() {
  try {
    const out = execFileSync('nvidia-smi', ['--query-gpu=memory.used', '--format=csv,noheader,nounits'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return Number(out.trim().split('\n')[0]);
  } catch {
    return null;
  }
}

function gpuDescription() {
  try {
    return execFileSync('nvidia-smi', ['--query-gpu=name,driver_version,memory.total', '--format=csv,noheader'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'no nvidia-smi';
  }
}

/** Deterministic, image-like batches (the same on every device). */
function batchOf(batch, size) {
  const n = batch * 3 * size * size;
  const target = Float32Array.from({ length: n }, (_, i) => (i % 241) / 241);
  const input = Float32Array.from({ length: n }, (_, i) => Math.min(1, Math.max(0, target[i] + (((i * 7919) % 101) / 101 - 0.5) * 0.2)));
  return { input, target };
}

class Check {
  constructor(opt, g, train, ort) {
    this.opt = opt;
    this.g = g;
    this.train = train;
    this.ort = ort;
    this.started = process.hrtime.bigint();
    this.tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dynet-gpu-check-'));
    this.artifacts = new Map();
    this.result = { gpu: gpuDescription(), ort: require('onnxruntime-node/package.json').version, train: [], infer: [], torch: [], skipped: [], failed: [] };
  }

  overBudget(what) {
    if (seconds(this.started) < this.opt.budgetS) return false;
    this.result.skipped.push(`${what} (time budget of ${this.opt.budgetS} s spent)`);
    console.log(`skipped: ${what} (time budget of ${this.opt.budgetS} s spent)`);
    return true;
  }

  /**
   * Training artifacts for one preset, variant and shape, written once and shared by the GPU
   * devices; the CPU gets them built for its NCHWc kernels (nchwcBlock), as train builds them.
   */
  artifactDir(preset, variant, batch, size, nchwcBlock) {
    const key = `${preset}-${variant}-b${batch}-${size}${this.opt.recompute ? '-recompute' : ''}${nchwcBlock ? `-nchwc${nchwcBlock}` : ''}`;
    if (!this.artifacts.has(key)) {
      const dir = path.join(this.tmp, key);
      const config = this.g.presetConfig(preset);
      const t0 = process.hrtime.bigint();
      this.train.writeArtifacts({
        config, variant, loss: 'l1-clamped', shape: { batch, height: size, width: size }, hyper: this.g.ADAMW_DEFAULTS,
        weights: this.g.initParameters(this.g.dynetParameterSpecs(config), 0), outDir: dir, fused: true, recompute: this.opt.recompute, nchwcBlock,
      });
      console.log(`  artifacts ${key}: ${seconds(t0).toFixed(1)} s`);
      this.artifacts.set(key, dir);
    }
    return this.artifacts.get(key);
  }

  async trainOn(device, preset, variant, batch, size, steps) {
    const what = `train ${device} ${preset} ${variant} b${batch} ${size}x${size}${this.opt.recompute ? ' recompute' : ''}`;
    if (steps === 0 || this.overBudget(what)) return;
    const dir = this.artifactDir(preset, variant, batch, size, device === 'cpu' ? await this.train.nchwcBlockSize() : 0);
    const { input, target } = batchOf(batch, size);
    const memBefore = device === 'cpu' ? null : gpuMemoryMiB();
    const t0 = process.hrtime.bigint();
    let session;
    try {
      session = await this.train.TrainingSession.open(dir, { device, fused: true });
      const openS = seconds(t0);
      const times = [];
      const losses = [];
      for (let s = 0; s < steps; s++) {
        const t = process.hrtime.bigint();
        losses.push(await session.fusedStep(input, target, 2e-4));
        times.push(seconds(t));
      }
      const memAfter = memBefore === null ? null : gpuMemoryMiB();
      const row = {
        device, preset, variant, batch, size, recompute: this.opt.recompute, steps, openS, firstS: times[0],
        medianS: times.length > 1 ? median(times.slice(1)) : times[0],
        loss1: losses[0], lossLast: losses[losses.length - 1],
        gpuMiB: memBefore === null || memAfter === null ? null : memAfter - memBefore,
      };
      this.result.train.push(row);
      console.log(`${what}: open ${openS.toFixed(1)} s, step 1 ${row.firstS.toFixed(3)} s, median ${row.medianS.toFixed(4)} s/step` +
        ` (${(1 / row.medianS).toFixed(2)} steps/s), loss ${row.loss1.toFixed(6)} -> ${row.lossLast.toFixed(6)}` +
        (row.gpuMiB === null ? '' : `, GPU memory +${row.gpuMiB} MiB`));
    } catch (e) {
      this.fail(what, e);
    } finally {
      if (session) await session.release();
    }
  }

  async inferOn(device, cpuOutput) {
    const size = this.opt.inferSize;
    const what = `infer ${device} full S 1x3x${size}x${size}`;
    if (size === 0 || this.overBudget(what)) return null;
    if (!this.modelFile) {
      const dir = path.join(this.tmp, 'model');
      const config = this.g.presetConfig('full');
      this.g.exportDynet({ config, variants: ['S'], outDir: dir, weights: this.g.initParameters(this.g.dynetParameterSpecs(config), 0), source: 'gpu-check (seed 0)' });
      this.modelFile = path.join(dir, this.g.graphFileName('S'));
    }
    const n = 3 * size * size;
    const data = Float32Array.from({ length: n }, (_, i) => (i % 251) / 251);
    let session;
    try {
      session = await this.train.openSession(this.modelFile, device);
      const feeds = { input: new this.ort.Tensor('float32', data, [1, 3, size, size]) };
      const t0 = process.hrtime.bigint();
      let out = (await session.run(feeds)).output.data;
      const firstS = seconds(t0);
      const times = [];
      for (let i = 0; i < 3; i++) {
        const t = process.hrtime.bigint();
        out = (await session.run(feeds)).output.data;
        times.push(seconds(t));
      }
      let maxDiff = null;
      if (cpuOutput) {
        maxDiff = 0;
        for (let i = 0; i < n; i++) maxDiff = Math.max(maxDiff, Math.abs(out[i] - cpuOutput[i]));
      }
      const row = { device, size, firstS, medianS: median(times), maxDiffToCpu: maxDiff };
      this.result.infer.push(row);
      console.log(`${what}: first ${firstS.toFixed(2)} s, median ${row.medianS.toFixed(4)} s` + (maxDiff === null ? '' : `, max |diff| to cpu ${maxDiff.toExponential(2)}`));
      return Float32Array.from(out);
    } catch (e) {
      this.fail(what, e);
      return null;
    } finally {
      if (session) await session.release();
    }
  }

  torchPeer() {
    const script = path.join(__dirname, 'dynet_torch.py');
    const probe = spawnSync('python3', ['-c', 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 3)'], { encoding: 'utf8' });
    if (probe.error || probe.status !== 0) {
      const why = probe.error ? 'no python3' : probe.status === 3 ? 'torch without CUDA' : 'no torch';
      this.result.skipped.push(`PyTorch peer (${why})`);
      console.log(`PyTorch peer: not measured (${why})`);
      return;
    }
    for (const variant of this.opt.variants) {
      const what = `torch cuda ${this.opt.trainPreset} ${variant} b${this.opt.batch} ${this.opt.size}x${this.opt.size}`;
      if (this.overBudget(what)) return;
      const args = [script, 'bench-train', '--device', 'cuda', '--preset', this.opt.trainPreset, '--variant', variant,
        '--batch', String(this.opt.batch), '--size', String(this.opt.size), '--steps', String(Math.max(3, this.opt.steps)), '--warmup', '2'];
      const r = spawnSync('python3', args, { encoding: 'utf8', maxBuffer: 16 << 20 });
      const line = (r.stdout || '').split('\n').find((l) => l.startsWith('RESULT '));
      if (r.status !== 0 || !line) {
        this.fail(what, new Error((r.stderr || '').trim().split('\n').slice(-3).join(' | ') || `exit ${r.status}`));
        continue;
      }
      const res = JSON.parse(line.slice(7));
      const row = { variant, batch: this.opt.batch, size: this.opt.size, medianS: res.median_ms / 1000, gpuMiB: res.cuda_max_allocated_mib, torch: res.torch };
      this.result.torch.push(row);
      console.log(`${what}: median ${row.medianS.toFixed(4)} s/step, max allocated ${row.gpuMiB} MiB (torch ${res.torch})`);
    }
  }

  fail(what, e) {
    const message = (e && e.message ? e.message : String(e)).split('\n')[0];
    this.result.failed.push(`${what}: ${message}`);
    console.log(`FAILED ${what}: ${message}`);
  }

  async run() {
    const o = this.opt;
    console.log(`GPU: ${this.result.gpu}; onnxruntime-node ${this.result.ort}; devices ${o.devices.join(', ')}`);
    for (const device of o.devices) {
      const steps = device === 'cpu' ? o.cpuSteps : o.steps;
      for (const variant of o.variants) await this.trainOn(device, o.trainPreset, variant, o.batch, o.size, steps);
      await this.trainOn(device, 'small', 'S', o.smallBatch, o.smallSize, device === 'cpu' ? (o.cpuSteps && Math.max(o.cpuSteps, 3)) : o.steps);
    }
    // Inference: the CPU first (the reference output), then the GPUs.
    const order = [...o.devices].sort((a, b) => (a === 'cpu' ? -1 : b === 'cpu' ? 1 : 0));
    let cpuOutput = null;
    for (const device of order) {
      const out = await this.inferOn(device, device === 'cpu' ? null : cpuOutput);
      if (device === 'cpu') cpuOutput = out;
    }
    if (o.torch === 'auto' && o.devices.includes('cuda')) this.torchPeer();
    fs.rmSync(this.tmp, { recursive: true, force: true });
    this.result.elapsedS = seconds(this.started);
    return this.result;
  }
}

/** Agreement and peer ratios over one or more runs' results; prints the summary, returns whether all is well. */
function report(results) {
  const train = results.flatMap((r) => r.train);
  const infer = results.flatMap((r) => r.infer);
  const torch = results.flatMap((r) => r.torch);
  const failed = results.flatMap((r) => r.failed);
  let ok = failed.length === 0;
  console.log('\n== summary ==');
  console.log(`GPU: ${results[0].gpu}`);
  console.log('device  preset variant batch size  median s/step  steps/s  step-1 loss   vs ref    GPU MiB  vs torch');
  const groups = new Map();
  for (const row of train) {
    const key = `${row.preset}-${row.variant}-${row.batch}-${row.size}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(row);
  }
  for (const rows of groups.values()) {
    const ref = rows.find((r) => r.device === 'cpu') ?? rows[0];
    for (const row of rows) {
      const rel = Math.abs(row.loss1 - ref.loss1) / Math.abs(ref.loss1);
      const agrees = rel <= LOSS_TOLERANCE;
      if (!agrees) ok = false;
      const peer = torch.find((t) => row.device !== 'cpu' && t.variant === row.variant && t.batch === row.batch && t.size === row.size && row.preset !== 'small');
      console.log(`${row.device.padEnd(7)} ${row.preset.padEnd(6)} ${(row.variant + (row.recompute ? " rc" : "")).padEnd(7)} ${String(row.batch).padStart(5)} ${String(row.size).padStart(4)}  ` +
        `${row.medianS.toFixed(4).padStart(13)}  ${(1 / row.medianS).toFixed(2).padStart(7)}  ${row.loss1.toFixed(6).padStart(11)}  ` +
        `${(row === ref ? 'ref' : `${rel.toExponential(1)}${agrees ? '' : ' !'}`).padStart(8)}  ${(row.gpuMiB === null ? '-' : String(row.gpuMiB)).padStart(7)}  ` +
        `${peer ? `${(row.medianS / peer.medianS).toFixed(2)}x` : '-'}`);
    }
  }
  for (const t of torch) console.log(`torch   ${'full'.padEnd(6)} ${t.variant.padEnd(7)} ${String(t.batch).padStart(5)} ${String(t.size).padStart(4)}  ${t.medianS.toFixed(4).padStart(13)}  ${(1 / t.medianS).toFixed(2).padStart(7)}  ${'-'.padStart(11)}  ${'-'.padStart(8)}  ${String(t.gpuMiB).padStart(7)}  (torch ${t.torch}, max allocated)`);
  for (const row of infer) {
    const agrees = row.maxDiffToCpu === null || row.maxDiffToCpu <= INFER_TOLERANCE;
    if (!agrees) ok = false;
    console.log(`inference ${row.device} 1x3x${row.size}x${row.size}: median ${row.medianS.toFixed(4)} s` + (row.maxDiffToCpu === null ? '' : `, max |diff| to cpu ${row.maxDiffToCpu.toExponential(2)}${agrees ? '' : ' (over 1e-3)'}`));
  }
  for (const s of results.flatMap((r) => r.skipped)) console.log(`skipped: ${s}`);
  for (const f of failed) console.log(`FAILED: ${f}`);
  console.log(ok ? 'gpu-check: every measured device ran and agreed' : 'gpu-check: some device failed or disagreed (see above)');
  return ok;
}

async function main() {
  const opt = options();
  if (opt.report) {
    const results = opt.report.map((f) => JSON.parse(fs.readFileSync(f, 'utf8')));
    if (results.length === 0) throw new Error('--report needs result files');
    process.exitCode = report(results) ? 0 : 1;
    return;
  }
  const check = new Check(opt, require('@dynet/graph'), require('@dynet/train'), require('onnxruntime-node'));
  const result = await check.run();
  if (opt.json) fs.writeFileSync(opt.json, JSON.stringify(result, null, 1));
  console.log('RESULT ' + JSON.stringify(result));
  process.exitCode = report([result]) ? 0 : 1;
}

main().catch((e) => {
  console.error(`gpu-check: ${e.message}`);
  process.exit(2);
});
