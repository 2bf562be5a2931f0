/** Shared by the benchmark scripts: medians, timing, and this machine's fp32 peak in ONNX Runtime. */
'use strict';
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

/** GFLOP/s of a 2048^3 MatMul built with our own builder, in the same runtime and thread count. */
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
  const seconds = await timeRuns(() => session.run({ a: m, b: m }), runs);
  await session.release();
  return (2 * n ** 3) / seconds / 1e9;
}

/** The 1, 5 and 15 minute load averages, for benchmark headers and footers. */
const loadAverage = () => os.loadavg().map((l) => l.toFixed(1)).join(' ');

module.exports = { median, timeRuns, measurePeak, loadAverage };
