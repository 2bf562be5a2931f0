#!/usr/bin/env node
/**
 * Where a training step's time goes: runs ONNX Runtime's profiler over a few fused training
 * steps of DyNet (forward, backward and AdamW in one graph) and prints
 *   - the step's wall time, the time inside kernels and the rest (the runtime's own overhead
 *     between kernels, plus feeding and fetching tensors);
 *   - op types by share of kernel time, with node count, mean time per node and bytes of
 *     outputs written per step;
 *   - the top individual nodes by time.
 * The first steps (--warmup) are left out: they fault in memory and settle the allocator.
 *
 *   node tools/profile-training.js [--preset small --variant S --batch 4 --size 64 --steps 5 --threads 2 --top 15 --op Transpose]
 */
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const yargs = require('yargs');
const g = require('@dynet/graph');
const { TrainingSession, nchwcBlockSize, writeArtifacts } = require('@dynet/train');

const args = yargs(process.argv.slice(2))
  .option('preset', { choices: ['full', 'small'], default: 'small' })
  .option('variant', { choices: ['S', 'L'], default: 'S' })
  .option('batch', { type: 'number', default: 4 })
  .option('size', { type: 'number', default: 64 })
  .option('steps', { type: 'number', default: 5, describe: 'profiled steps' })
  .option('warmup', { type: 'number', default: 2, describe: 'steps run before, not counted' })
  .option('threads', { type: 'number', default: 2 })
  .option('top', { type: 'number', default: 15, describe: 'rows of each table' })
  .option('op', { type: 'string', describe: 'list the top nodes of this op type only (e.g. Transpose)' })
  .option('artifacts', { type: 'string', describe: 'profile these training artifacts (a folder written by writeArtifacts) instead of fresh ones' })
  .option('nchwc', { type: 'boolean', default: true, describe: "build the gradients for ONNX Runtime's CPU NCHWc kernels, as train does on the CPU (--no-nchwc: standard ops only)" })
  .option('json', { type: 'string', describe: 'also write the aggregated figures to this file' })
  .strict()
  .parseSync();

const ms = (us) => (us / 1000).toFixed(2);
const pct = (x) => `${(100 * x).toFixed(1)}%`;
const mb = (bytes) => (bytes / 1e6).toFixed(1);

/** Events of the profiled runs only: those from the (warmup + 1)-th model_run on. */
function profiledEvents(events, warmup) {
  const runs = events.filter((e) => e.cat === 'Session' && e.name === 'model_run').sort((a, b) => a.ts - b.ts);
  if (runs.length <= warmup) throw new Error(`the profile holds ${runs.length} runs; expected more than ${warmup}`);
  const from = runs[warmup].ts;
  return { runs: runs.slice(warmup), nodes: events.filter((e) => e.cat === 'Node' && e.name.endsWith('_kernel_time') && e.ts >= from) };
}

/**
 * A Conv node's kind from its input shapes: the weight gradients are convolutions whose kernel
 * is a whole feature map (rules/conv.ts), the rest are forward and input-gradient convolutions.
 */
function convKind(inputShapes) {
  const [x, w] = (inputShapes ?? []).map((s) => Object.values(s)[0]);
  if (!x || !w) return 'unknown';
  const [, cIn] = x;
  const [, cInG, kh, kw] = w;
  const groups = cIn / cInG;
  const layout = cInG === 1 ? 'depthwise' : groups > 1 ? 'grouped' : 'dense';
  return kh > 7 ? `weight gradient, ${layout}` : `${kh}x${kw} ${layout}`;
}

function table(rows, headers) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

async function main() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dynet-profile-'));
  try {
    let dir = args.artifacts;
    if (!dir) {
      dir = tmp;
      const config = g.presetConfig(args.preset);
      const shape = { batch: args.batch, height: args.size, width: args.size };
      const weights = g.initParameters(g.dynetParameterSpecs(config), 0);
      const nchwcBlock = args.nchwc ? await nchwcBlockSize() : 0;
      writeArtifacts({ config, variant: args.variant, loss: 'l1-clamped', shape, hyper: g.ADAMW_DEFAULTS, weights, outDir: dir, fused: true, nchwcBlock });
    }
    const prefix = path.join(tmp, 'profile');
    const session = await TrainingSession.open(dir, { threads: args.threads, fused: true, profilePrefix: prefix });
    const { batch, height, width } = session.manifest.shape;
    const n = batch * 3 * height * width;
    const input = Float32Array.from({ length: n }, (_, i) => (i % 251) / 251);
    const target = Float32Array.from({ length: n }, (_, i) => (i % 241) / 241);
    const wall = [];
    for (let i = 0; i < args.warmup + args.steps; i++) {
      const t0 = process.hrtime.bigint();
      await session.fusedStep(input, target, 1e-4);
      if (i >= args.warmup) wall.push(Number(process.hrtime.bigint() - t0) / 1e3);
    }
    await session.release();
    const file = fs.readdirSync(tmp).find((f) => f.startsWith('profile-fused') && f.endsWith('.json'));
    if (!file) throw new Error(`ONNX Runtime wrote no profile under ${tmp}`);
    const { runs, nodes } = profiledEvents(JSON.parse(fs.readFileSync(path.join(tmp, file), 'utf8')), args.warmup);

    const steps = runs.length;
    const perStep = (x) => x / steps;
    const runUs = perStep(runs.reduce((s, e) => s + e.dur, 0));
    const wallUs = wall.reduce((s, x) => s + x, 0) / wall.length;
    const kernelUs = perStep(nodes.reduce((s, e) => s + e.dur, 0));
    const byOp = new Map();
    const byNode = new Map();
    const convs = new Map();
    for (const e of nodes) {
      if (e.args.op_name === 'Conv') {
        const kind = convKind(e.args.input_type_shape);
        const c = convs.get(kind) ?? { us: 0, count: 0 };
        c.us += e.dur;
        c.count += 1;
        convs.set(kind, c);
      }
      const op = e.args.op_name;
      const o = byOp.get(op) ?? { us: 0, count: 0, bytes: 0 };
      o.us += e.dur;
      o.count += 1;
      o.bytes += Number(e.args.output_size ?? 0);
      byOp.set(op, o);
      const name = e.name.replace(/_kernel_time$/, '');
      const nd = byNode.get(name) ?? { op, us: 0, bytes: 0 };
      nd.us += e.dur;
      nd.bytes += Number(e.args.output_size ?? 0);
      byNode.set(name, nd);
    }
    const nodesPerStep = nodes.length / steps;
    const m = session.manifest;
    console.log(`DyNet-${m.variant} (${args.artifacts ? 'given artifacts' : args.preset}) batch ${batch}, ${height}x${width}, fused step, ${args.threads} threads, ${m.nchwcBlock ? `NCHWc kernels (block ${m.nchwcBlock})` : 'standard ops only'}; ${steps} steps profiled after ${args.warmup}`);
    console.log(`step: wall ${ms(wallUs)} ms (JavaScript included), model_run ${ms(runUs)} ms, in kernels ${ms(kernelUs)} ms (${pct(kernelUs / runUs)}), ` +
      `outside kernels ${ms(runUs - kernelUs)} ms; ${nodesPerStep.toFixed(0)} nodes run per step, ${ms((runUs - kernelUs) / nodesPerStep * 1000)} us overhead per node`);
    console.log('');
    const ops = [...byOp].sort((a, b) => b[1].us - a[1].us);
    console.log(table(ops.slice(0, args.top).map(([op, o]) => [op, pct(o.us / (kernelUs * steps)), ms(perStep(o.us)), (o.count / steps).toFixed(0), ((o.us / o.count)).toFixed(1), mb(perStep(o.bytes))]),
      ['op type', 'kernel time', 'ms/step', 'nodes', 'us/node', 'MB out/step']));
    const rest = ops.slice(args.top);
    if (rest.length) console.log(`(${rest.length} more op types: ${pct(rest.reduce((s, [, o]) => s + o.us, 0) / (kernelUs * steps))})`);
    console.log('');
    const convRows = [...convs].sort((a, b) => b[1].us - a[1].us);
    console.log(table(convRows.map(([kind, c]) => [kind, pct(c.us / (kernelUs * steps)), ms(perStep(c.us)), (c.count / steps).toFixed(0), (c.us / c.count).toFixed(1)]),
      ['Conv by kind', 'kernel time', 'ms/step', 'nodes', 'us/node']));
    console.log('');
    const top = [...byNode].filter(([, nd]) => !args.op || nd.op === args.op).sort((a, b) => b[1].us - a[1].us).slice(0, args.top);
    console.log(table(top.map(([name, nd]) => [name.length > 70 ? `…${name.slice(-69)}` : name, nd.op, pct(nd.us / (kernelUs * steps)), ms(perStep(nd.us)), mb(perStep(nd.bytes))]),
      ['node', 'op', 'kernel time', 'ms/step', 'MB out']));
    if (args.json) {
      const out = { wallMs: wallUs / 1e3, runMs: runUs / 1e3, kernelMs: kernelUs / 1e3, nodesPerStep, ops: Object.fromEntries(ops.map(([op, o]) => [op, { ms: perStep(o.us) / 1e3, nodes: o.count / steps, mbOut: perStep(o.bytes) / 1e6 }])) };
      fs.writeFileSync(args.json, JSON.stringify(out, null, 2));
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(`profile-training: ${err.message}`);
  process.exit(1);
});
