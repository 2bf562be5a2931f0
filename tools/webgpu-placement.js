#!/usr/bin/env node
/**
 * Which nodes onnxruntime-node keeps on the CPU under the WebGPU execution provider: opens
 * sessions with verbose logging (where ORT prints each node's provider) for the bundled
 * inference graph and for a fused training step of the small preset, and counts the nodes
 * placed on CPU by op type. Needs a WebGPU adapter (a GPU's Vulkan driver, or SwiftShader:
 * VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json).
 *
 *   node tools/webgpu-placement.js [--batch 1 --size 32]
 */
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const yargs = require('yargs');

const args = yargs(process.argv.slice(2))
  .option('batch', { type: 'number', default: 1 })
  .option('size', { type: 'number', default: 32 })
  .option('child', { type: 'string', hidden: true })
  .strict()
  .parseSync();

/** In a child process (ORT's verbose log goes to its stdout): open one session with verbose logging. */
async function openVerbose(file) {
  const ort = require('onnxruntime-node');
  const s = await ort.InferenceSession.create(file, { executionProviders: ['webgpu'], logSeverityLevel: 0, logVerbosityLevel: 0, graphOptimizationLevel: 'all' });
  await s.release();
}

/** Op types of the nodes ORT's log lists under the CPU provider. */
function cpuNodes(file) {
  // The log goes to a file: native writes into a pipe, which Node makes non-blocking, lose lines.
  const logFile = path.join(os.tmpdir(), `dynet-placement-${process.pid}.log`);
  const fd = fs.openSync(logFile, 'w');
  const r = spawnSync(process.execPath, [__filename, '--child', file], { stdio: ['ignore', fd, fd] });
  fs.closeSync(fd);
  const log = fs.readFileSync(logFile, 'utf8');
  fs.rmSync(logFile);
  if (r.status !== 0) throw new Error(`${file}: ${log.trim().split('\n').pop()}`);
  // "Node placements" then, per provider, "Node(s) placed on [CPUExecutionProvider]. Number of nodes: N" and lines " OpType (name)"
  const counts = new Map();
  let onCpu = false;
  let total = 0;
  for (const line of log.split('\n')) {
    const head = /placed on \[(\w+)\]\. Number of nodes: (\d+)/.exec(line);
    if (head) {
      onCpu = head[1] === 'CPUExecutionProvider';
      total += Number(head[2]);
      continue;
    }
    // the message after ORT's "<time> [V:onnxruntime:, file:line Function] " prefix
    const node = /^\s+(\w+) \(([^)]*)\)\s*$/.exec(line.replace(/^.*?\] /, ''));
    if (onCpu && node) counts.set(node[1], (counts.get(node[1]) ?? 0) + 1);
    else onCpu = false;
  }
  return { counts, total };
}

async function main() {
  if (args.child) return openVerbose(args.child);
  const g = require('@dynet/graph');
  const { writeArtifacts } = require('@dynet/train');
  const { DEFAULT_MODEL_DIR } = require('@dynet/infer');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dynet-placement-'));
  try {
    const shape = { batch: args.batch, height: args.size, width: args.size };
    writeArtifacts({ config: g.SMALL, variant: 'S', loss: 'l1-clamped', shape, hyper: g.ADAMW_DEFAULTS, weights: g.initParameters(g.dynetParameterSpecs(g.SMALL), 0), outDir: dir, fused: true });
    for (const [label, file] of [['inference (bundled dynet-s.onnx)', path.join(DEFAULT_MODEL_DIR, 'dynet-s.onnx')], [`fused training step (small, ${args.batch}x3x${args.size}x${args.size})`, path.join(dir, 'fused_step_model.onnx')]]) {
      const { counts, total } = cpuNodes(file);
      const cpu = [...counts.values()].reduce((a, b) => a + b, 0);
      const list = [...counts].sort((a, b) => b[1] - a[1]).map(([op, n]) => `${op} ${n}`).join(', ');
      console.log(`${label}: ${cpu} of ${total} nodes on CPU${cpu ? `: ${list}` : ''}`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(`webgpu-placement: ${err.message}`);
  process.exit(1);
});
