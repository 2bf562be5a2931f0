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
 *   node tools/memory-plan.js [--preset full --variant S --batch 4 --size 128 --top 12]
 */
'use strict';
const yargs = require('yargs');
const g = require('@dynet/graph');

const args = yargs(process.argv.slice(2))
  .option('preset', { choices: ['full', 'small'], default: 'full' })
  .option('variant', { choices: ['S', 'L'], default: 'S' })
  .option('batch', { type: 'number', default: 4 })
  .option('size', { type: 'number', default: 128 })
  .option('top', { type: 'number', default: 12, describe: 'rows of each table' })
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

const config = g.presetConfig(args.preset);
const graph = g.buildFusedStepGraph(config, args.variant, 'l1-clamped', { batch: args.batch, height: args.size, width: args.size }, g.ADAMW_DEFAULTS);
const { peak, readByBackward } = plan(graph);
const kept = peak.alive.filter((v) => readByBackward.has(v));
const keptBytes = kept.reduce((a, v) => a + bytesOf(v), 0);
console.log(`${args.preset} ${args.variant}, batch ${args.batch}, ${args.size}x${args.size}: ${graph.nodes.length} nodes`);
console.log(`peak live activations ${mb(peak.bytes)} MiB at node ${peak.at} (${graph.nodes[peak.at].opType} ${graph.nodes[peak.at].name}); ` +
  `${mb(keptBytes)} MiB of it forward tensors kept for the backward pass (${kept.length} tensors)`);
table('alive at the peak, by producing op (fwd = kept for backward, bwd = backward pass)', groupBy(peak.alive, (v) => `${readByBackward.has(v) ? 'fwd' : 'bwd'} ${v.producer.opType}`), peak.bytes);
table('kept for backward at the peak, by module', groupBy(kept, (v) => scopeOf(v.producer.name)), peak.bytes);
table('kept for backward at the peak, by op and place in a block', groupBy(kept, (v) => `${v.producer.opType} ${v.producer.name.replace(/^[^.]*@\d+\./, '').replace(/^[^/]*\//, (s) => s.replace(/^.*\./, ''))}`), peak.bytes);
