#!/usr/bin/env node
/**
 * Where a training step's memory goes, from the graph alone: walks the fused training step
 * (forward, backward, AdamW) in node order, allocating each output when its node runs and freeing
 * it after its last reader, as ONNX Runtime's allocation planner does, and prints
 *   - the peak of live activation bytes and the node at which it falls;
 *   - what is alive at the peak, by the op type that produced it and by module, split into
 *     forward tensors kept for the backward pass and everything else;
 *   - the forward tensors the backward pass keeps, largest first (by op type and scope).
 * Reshape, Squeeze, Unsqueeze, Flatten and Identity are counted as views of their input (ORT
 * reuses the buffer). The runtime's own reordering, fusions and in-place reuse move the real
 * figure: compare with the peak RSS that bench-training measures.
 *
 * With --runtime it walks what ONNX Runtime actually runs instead: the graph as it optimised it,
 * in the order its profiler saw (it picks its own topological order, a depth-first one from the
 * outputs, which can keep far more alive than the graph's order), sizes from the profile.
 *
 *   node tools/memory-plan.js [--preset full --variant S --batch 4 --size 128 --top 12] [--recompute] [--nchwc] [--runtime] [--json]
 */
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const yargs = require('yargs');
const g = require('@dynet/graph');

const args = yargs(process.argv.slice(2))
  .option('preset', { choices: ['full', 'small'], default: 'full' })
  .option('variant', { choices: ['S', 'L'], default: 'S' })
  .option('batch', { type: 'number', default: 4 })
  .option('size', { type: 'number', default: 128 })
  .option('top', { type: 'number', default: 12, describe: 'rows of each table' })
  .option('recompute', { type: 'boolean', default: false, describe: 'the graph train --recompute builds' })
  .option('nchwc', { type: 'boolean', default: false, describe: "the graph train builds on this CPU (ONNX Runtime's NCHWc kernels; default: standard ops)" })
  .option('runtime', { type: 'boolean', default: false, describe: 'walk the order ONNX Runtime runs (its profiler, one step, 1 thread) over the graph it optimised, instead of the graph\'s own order' })
  .option('json', { type: 'boolean', default: false, describe: 'print {nodes, peakMiB} only' })
  .strict()
  .parseSync();

const VIEW_OPS = new Set(['Reshape', 'Squeeze', 'Unsqueeze', 'Flatten', 'Identity']);
const BYTES = { float32: 4, float16: 2, int64: 8, int32: 4, bool: 1, uint8: 1 };
const mb = (b) => (b / 2 ** 20).toFixed(1);

const bytesOf = (v) => v.shape.reduce((a, d) => a * (typeof d === 'number' ? d : NaN), BYTES[v.dtype] ?? 4);
const isBackward = (node) => node.name.startsWith('grad/');
/** The module a node belongs to: its scope path up to the block (encoder_level1@0.attn, ...). */
const scopeOf = (name) => name.replace(/^grad\//, '').split('/')[0].replace(/\.parameters\..*$/, '');

function plan(graph) {
  // The storage each value lives in: views share their input's.
  const storage = new Map();
  const root = (v) => storage.get(v) ?? v;
  const order = graph.nodes;
  for (const node of order) {
    if (VIEW_OPS.has(node.opType) && node.inputs[0]) storage.set(node.outputs[0], root(node.inputs[0]));
  }
  const lastUse = new Map();
  const readByBackward = new Set();
  order.forEach((node, i) => {
    for (const v of node.inputs) {
      if (!v) continue;
      lastUse.set(root(v), i);
      if (isBackward(node) && !(v.producer && isBackward(v.producer))) readByBackward.add(root(v));
    }
  });
  for (const v of graph.outputs) lastUse.set(root(v), Infinity);

  let live = 0;
  let peak = { bytes: 0, at: -1, alive: [] };
  const alive = new Set();
  order.forEach((node, i) => {
    for (const v of node.outputs) {
      if (root(v) !== v || !v.producer) continue;
      alive.add(v);
      live += bytesOf(v);
    }
    if (live > peak.bytes) peak = { bytes: live, at: i, alive: [...alive] };
    for (const v of new Set(node.inputs.filter(Boolean).map(root))) {
      if (alive.has(v) && lastUse.get(v) === i) {
        alive.delete(v);
        live -= bytesOf(v);
      }
    }
  });
  return { peak, readByBackward };
}

function table(title, rows, total) {
  console.log(`\n${title}`);
  console.log('  MiB      share  tensors  key');
  for (const [key, { bytes, count }] of rows.slice(0, args.top)) {
    console.log(`  ${mb(bytes).padStart(7)}  ${((100 * bytes) / total).toFixed(1).padStart(5)}%  ${String(count).padStart(7)}  ${key}`);
  }
}

function groupBy(values, keyOf) {
  const groups = new Map();
  for (const v of values) {
    const k = keyOf(v);
    const e = groups.get(k) ?? { bytes: 0, count: 0 };
    e.bytes += bytesOf(v);
    e.count += 1;
    groups.set(k, e);
  }
  return [...groups.entries()].sort((a, b) => b[1].bytes - a[1].bytes);
}

/**
 * The same walk over what ONNX Runtime runs: its optimised graph (read back from the file it
 * writes), in the order of its profile's kernel events; sizes from the profiled output shapes.
 */
async function runtimePlan(graph) {
  const ort = require('onnxruntime-node');
  const { onnx } = require('onnx-proto');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dynet-memory-plan-'));
  try {
    const optimized = path.join(dir, 'optimized.onnx');
    const session = await ort.InferenceSession.create(g.serializeGraph(graph, { metadata: {} }), {
      intraOpNumThreads: 1, enableMemPattern: false, logSeverityLevel: 3, enableProfiling: true, profileFilePrefix: path.join(dir, 'profile'), optimizedModelFilePath: optimized,
    });
    const feeds = {};
    for (const v of graph.inputs) feeds[v.name] = new ort.Tensor('float32', new Float32Array(v.shape.reduce((a, d) => a * d, 1)).fill(0.01), v.shape);
    await session.run(feeds);
    session.endProfiling();
    await session.release();
    const profile = fs.readdirSync(dir).find((f) => f.startsWith('profile') && f.endsWith('.json'));
    const events = JSON.parse(fs.readFileSync(path.join(dir, profile), 'utf8'))
      .filter((e) => e.cat === 'Node' && e.name.endsWith('_kernel_time'))
      .sort((a, b) => a.ts - b.ts);
    const model = onnx.ModelProto.decode(fs.readFileSync(optimized));
    const byName = new Map(model.graph.node.map((n) => [n.name, n]));
    const order = [];
    const size = new Map();
    const producer = new Map();
    for (const e of events) {
      const node = byName.get(e.name.slice(0, -'_kernel_time'.length));
      if (!node) continue;
      order.push(node);
      (e.args.output_type_shape ?? []).forEach((typed, k) => {
        const [dtype, dims] = Object.entries(typed)[0];
        size.set(node.output[k], dims.reduce((a, d) => a * d, BYTES[dtype] ?? 4));
        producer.set(node.output[k], node);
      });
    }
    // views share their input's buffer, as in the graph-order walk
    const storage = new Map();
    const root = (v) => storage.get(v) ?? v;
    for (const n of order) if (VIEW_OPS.has(n.opType) && n.input[0]) storage.set(n.output[0], root(n.input[0]));
    const lastUse = new Map();
    order.forEach((n, i) => n.input.forEach((v) => lastUse.set(root(v), i)));
    for (const o of model.graph.output) lastUse.set(root(o.name), Infinity);
    let live = 0;
    let peak = { bytes: 0, at: -1, alive: [] };
    const alive = new Set();
    order.forEach((n, i) => {
      for (const v of n.output) if (size.has(v) && root(v) === v && !alive.has(v)) { alive.add(v); live += size.get(v); }
      if (live > peak.bytes) peak = { bytes: live, at: i, alive: [...alive] };
      for (const v of new Set([...n.input, ...n.output].map(root))) {
        if (alive.has(v) && (lastUse.get(v) ?? -1) <= i) { alive.delete(v); live -= size.get(v); }
      }
    });
    return { order, peak, size, producer };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  const config = g.presetConfig(args.preset);
  const nchwcBlock = args.nchwc ? await require('@dynet/train').nchwcBlockSize() : 0;
  const graph = g.buildFusedStepGraph(config, args.variant, 'l1-clamped', { batch: args.batch, height: args.size, width: args.size }, g.ADAMW_DEFAULTS, { recompute: args.recompute, nchwcBlock });
  const what = `${args.preset} ${args.variant}, batch ${args.batch}, ${args.size}x${args.size}${args.recompute ? ', blocks recomputed' : ''}${nchwcBlock ? ', NCHWc kernels' : ''}`;
  if (args.runtime) {
    const { order, peak, size, producer } = await runtimePlan(graph);
    if (args.json) return console.log(JSON.stringify({ nodes: order.length, peakMiB: peak.bytes / 2 ** 20 }));
    const part = (n) => (n.name.startsWith('recompute/') ? 'recompute' : n.name.startsWith('grad/') ? 'bwd' : 'fwd');
    console.log(`${what}: ONNX Runtime ran ${order.length} nodes`);
    console.log(`peak live tensors in its order ${mb(peak.bytes)} MiB at its node ${peak.at} (${order[peak.at].opType} ${order[peak.at].name})`);
    const groups = new Map();
    for (const v of peak.alive) {
      const k = `${part(producer.get(v))} ${producer.get(v).opType}`;
      const e = groups.get(k) ?? { bytes: 0, count: 0 };
      e.bytes += size.get(v);
      e.count += 1;
      groups.set(k, e);
    }
    table('alive at the peak, by producing op (fwd, bwd, recompute: the node\'s name)', [...groups].sort((a, b) => b[1].bytes - a[1].bytes), peak.bytes);
    return;
  }
  const { peak, readByBackward } = plan(graph);
  if (args.json) return console.log(JSON.stringify({ nodes: graph.nodes.length, peakMiB: peak.bytes / 2 ** 20 }));
  const kept = peak.alive.filter((v) => readByBackward.has(v));
  const keptBytes = kept.reduce((a, v) => a + bytesOf(v), 0);
  console.log(`${what}: ${graph.nodes.length} nodes`);
  console.log(`peak live activations ${mb(peak.bytes)} MiB at node ${peak.at} (${graph.nodes[peak.at].opType} ${graph.nodes[peak.at].name}); ` +
    `${mb(keptBytes)} MiB of it forward tensors kept for the backward pass (${kept.length} tensors)`);
  table('alive at the peak, by producing op (fwd = kept for backward, bwd = backward pass)', groupBy(peak.alive, (v) => `${readByBackward.has(v) ? 'fwd' : 'bwd'} ${v.producer.opType}`), peak.bytes);
  table('kept for backward at the peak, by module', groupBy(kept, (v) => scopeOf(v.producer.name)), peak.bytes);
  table('kept for backward at the peak, by op and place in a block', groupBy(kept, (v) => `${v.producer.opType} ${v.producer.name.replace(/^[^.]*@\d+\./, '').replace(/^[^/]*\//, (s) => s.replace(/^.*\./, ''))}`), peak.bytes);
}

main().catch((err) => {
  console.error(`memory-plan: ${err.message}`);
  process.exit(1);
});
