/**
 * Writes a training-artifact folder: training, eval, optimizer and fused-step graphs made of
 * standard ONNX ops (with ArtifactOptions.nchwcBlock, the depthwise convolutions use ONNX
 * Runtime's CPU NCHWc kernels), the starting checkpoint, and `artifacts.json` describing them.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  AdamWHyper,
  DynetConfig,
  LossKind,
  Reuse,
  StateDict,
  TrainingShape,
  VERSION,
  Variant,
  atomicWriteFileSync,
  buildEvalGraph,
  buildFusedStepGraph,
  buildOptimizerGraph,
  buildTrainingGraph,
  dynetParameterSpecs,
  serializeGraph,
} from '@dynet/graph';
import { saveCheckpoint } from './checkpoint';

export const ARTIFACT_FILES = {
  training: 'training_model.onnx',
  eval: 'eval_model.onnx',
  optimizer: 'optimizer_model.onnx',
  fused: 'fused_step_model.onnx',
  checkpoint: 'checkpoint.safetensors',
  manifest: 'artifacts.json',
} as const;

export interface ArtifactOptions {
  config: DynetConfig;
  /** S, L, or the reuse counts per level (a depth dynet-any.onnx runs) */
  variant: Variant | Reuse;
  loss: LossKind;
  shape: TrainingShape;
  hyper: AdamWHyper;
  /** every parameter of the configuration (the starting point); needed only for the checkpoint */
  weights?: StateDict;
  outDir: string;
  /** also write the single-graph step (forward, backward and AdamW) */
  fused: boolean;
  /** write checkpoint.safetensors with `weights` and zero moments (default true) */
  checkpoint?: boolean;
  /**
   * training graphs recompute each transformer block's activations in the backward pass from
   * the block's input instead of keeping them (less memory, about one more forward pass of time)
   */
  recompute?: boolean;
  /**
   * run the depthwise convolutions and their gradients on ONNX Runtime's CPU NCHWc kernels of this block size
   * (nchwcBlockSize(); 0 or absent: standard ONNX ops only, for any runtime and device)
   */
  nchwcBlock?: number;
}

/** What a training session needs to know about an artifact folder. */
export interface ArtifactManifest {
  version: string;
  variant: Variant | Reuse;
  loss: LossKind;
  shape: TrainingShape;
  hyper: AdamWHyper;
  config: DynetConfig;
  /** parameters the graphs train (the forward path), in graph input order */
  trained: { name: string; shape: number[] }[];
  /** built with ArtifactOptions.recompute (absent in folders written before it existed: false) */
  recompute?: boolean;
  /** built with ArtifactOptions.nchwcBlock (absent in older folders: 0, standard ops only) */
  nchwcBlock?: number;
  files: Partial<Record<keyof typeof ARTIFACT_FILES, string>>;
}

export function writeArtifacts(o: ArtifactOptions): ArtifactManifest {
  const meta = { 'dynet.variant': Array.isArray(o.variant) ? `depth ${o.variant.join(',')}` : o.variant, 'dynet.loss': o.loss, 'dynet.config': JSON.stringify(o.config) };
  const encode = (g: Parameters<typeof serializeGraph>[0]) => serializeGraph(g, { metadata: meta, producerVersion: VERSION });
  const recompute = o.recompute ?? false;
  const nchwcBlock = o.nchwcBlock ?? 0;
  const trainingGraph = buildTrainingGraph(o.config, o.variant, o.loss, o.shape, { recompute, nchwcBlock });
  const trained = [...trainingGraph.params.values()]
    .filter((p) => trainingGraph.nodes.some((n) => n.inputs.includes(p)))
    .map((p) => ({ name: p.name, shape: p.shape as number[] }));
  // Build and encode everything first: a failure leaves no partial folder behind.
  const files: [string, Uint8Array][] = [
    [ARTIFACT_FILES.training, encode(trainingGraph)],
    [ARTIFACT_FILES.eval, encode(buildEvalGraph(o.config, o.variant, o.loss, o.shape))],
    [ARTIFACT_FILES.optimizer, encode(buildOptimizerGraph(trained, o.hyper))],
  ];
  if (o.fused) files.push([ARTIFACT_FILES.fused, encode(buildFusedStepGraph(o.config, o.variant, o.loss, o.shape, o.hyper, { recompute, nchwcBlock }))]);
  const specs = dynetParameterSpecs(o.config);
  const zeros = () => new Map(trained.map(({ name, shape }) => [name, { shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)) }]));
  fs.mkdirSync(o.outDir, { recursive: true });
  for (const [name, bytes] of files) atomicWriteFileSync(path.join(o.outDir, name), bytes);
  if (o.checkpoint !== false) {
    if (!o.weights) throw new TypeError('writeArtifacts: the checkpoint needs the starting weights');
    const params: StateDict = new Map(specs.map((s) => [s.name, o.weights!.get(s.name)!]));
    saveCheckpoint(path.join(o.outDir, ARTIFACT_FILES.checkpoint), { params, expAvg: zeros(), expAvgSq: zeros(), step: 0, state: {} }, JSON.stringify(o.config));
  }
  const manifest: ArtifactManifest = {
    version: VERSION,
    variant: o.variant,
    loss: o.loss,
    shape: o.shape,
    hyper: o.hyper,
    config: o.config,
    trained,
    recompute,
    nchwcBlock,
    files: Object.fromEntries(
      Object.entries(ARTIFACT_FILES).filter(([k]) => k !== 'manifest' && (k !== 'fused' || o.fused) && (k !== 'checkpoint' || o.checkpoint !== false)),
    ) as ArtifactManifest['files'],
  };
  atomicWriteFileSync(path.join(o.outDir, ARTIFACT_FILES.manifest), new TextEncoder().encode(`${JSON.stringify(manifest, null, 2)}\n`));
  return manifest;
}

export function readManifest(dir: string): ArtifactManifest {
  const file = path.join(dir, ARTIFACT_FILES.manifest);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new Error(`${file}: missing; is ${dir} a folder written by 'dynet artifacts'?`);
  }
  try {
    return JSON.parse(text) as ArtifactManifest;
  } catch (err) {
    throw new Error(`${file}: not valid JSON (${(err as Error).message})`);
  }
}
