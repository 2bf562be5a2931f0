/** Shared by the benchmark scripts: medians, timing, and this machine's fp32 peak in ONNX Runtime. */
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const ort = require('onnxruntime-node');
const g = require('@dynet/graph');

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * Median seconds of `runs` calls of `fn` after `warmups` calls (training graphs need two: the
 * first runs fault in their memory, the second settles the allocator).
 */
async function timeRuns(fn, runs, warmups = 1) {
  for (let i = 0; i < warmups; i++) await fn();
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return median(times);
}

/**
 * GFLOP/s of a 2048^3 MatMul built with our own builder, in the same runtime and thread count:
 * the best of `runs` timings (a single run is too noisy to be the floor).
 */
async function measurePeak(dir, sessionOptions, runs) {
  const n = 2048;
  const graph = new g.Graph();
  const a = graph.input('a', 'float32', [n, n]);
  const b = graph.input('b', 'float32', [n, n]);
  graph.output(g.ops.matmul(a, b), 'c');
  const file = path.join(dir, 'peak.onnx');
  fs.writeFileSync(file, g.serializeGraph(graph, { metadata: {}, producerVersion: g.VERSION }));
  const session = await ort.InferenceSession.create(file, sessionOptions);
  const m = new ort.Tensor('float32', Float32Array.from({ length: n * n }, (_, i) => ((i * 7919) % 1000) / 1000), [n, n]);
  await session.run({ a: m, b: m });
  let best = Infinity;
  for (let i = 0; i < Math.max(3, runs); i++) {
    const t0 = process.hrtime.bigint();
    await session.run({ a: m, b: m });
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e9);
  }
  await session.release();
  return (2 * n ** 3) / best / 1e9;
}

/** The widest x86 vector ISA this CPU reports (benchmark ratios move with it), and its model name. */
function cpuDescription() {
  let flags = '';
  try {
    flags = /^flags\s*:(.*)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? '';
  } catch {
    // not Linux
  }
  const has = (f) => flags.split(/\s+/).includes(f);
  const isa = has('avx512f') ? 'AVX-512' : has('avx2') ? 'AVX2' : has('avx') ? 'AVX' : flags ? 'SSE' : 'unknown ISA';
  return `${os.cpus()[0].model}, ${os.cpus().length} cores, vector ISA ${isa}`;
}

const PYTHON = '/usr/bin/python3';
const TORCH_TOOL = path.join(__dirname, 'dynet_torch.py');

/** null when Debian's python3-torch can run tools/dynet_torch.py here, else why not. */
function torchMissing() {
  const r = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' });
  if (r.error) return `${PYTHON} not found`;
  return r.status === 0 ? null : 'python3-torch is not installed (apt-get install python3-torch)';
}

/** Runs tools/dynet_torch.py and returns its RESULT line's object (throws with its stderr on failure). */
function runTorchTool(args) {
  const r = spawnSync(PYTHON, [TORCH_TOOL, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const line = (r.stdout ?? '').split('\n').find((l) => l.startsWith('RESULT '));
  if (r.status !== 0 || !line) throw new Error(`dynet_torch.py ${args.join(' ')} failed: ${(r.stderr || r.stdout || '').trim().split('\n').pop()}`);
  return JSON.parse(line.slice('RESULT '.length));
}

/** The 1, 5 and 15 minute load averages, for benchmark headers and footers. */
const loadAverage = () => os.loadavg().map((l) => l.toFixed(1)).join(' ');

module.exports = { median, timeRuns, measurePeak, loadAverage, cpuDescription, torchMissing, runTorchTool };
