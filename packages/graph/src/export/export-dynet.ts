/**
 * Writes DyNet graphs into a folder: `dynet-s.onnx`, `dynet-l.onnx` and one external weights
 * file that every graph in the folder reads, so S and L store their shared parameters once.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { atomicWriteFileSync } from '../io/atomic-write';
import { DynetConfig, Variant } from '../models/dynet/config';
import { ANY_DEPTH_RANGE, buildDynet, buildDynetAnyDepth } from '../models/dynet/dynet';
import { BuildOptions, FAST_BUILD } from '../models/dynet/build-options';
import { graphParameterSpecs } from '../models/dynet/parameters';
import { serializeGraph } from '../onnx/serialize';
import { encodeWeights, layoutWeights, WeightsDType } from '../onnx/weights-layout';
import { StateDict } from '../weights/types';
import { VERSION } from '../version';

export const WEIGHTS_FILE = 'dynet.weights.bin';

/** S, L, or 'any': one graph that takes the reuse counts as an input (`depth`). */
export type ExportVariant = Variant | 'any';

export function graphFileName(variant: ExportVariant): string {
  return `dynet-${variant.toLowerCase()}.onnx`;
}

export interface ExportOptions {
  config: DynetConfig;
  variants: readonly ExportVariant[];
  outDir: string;
  /** parameters by state-dict name (at least those on the forward path) */
  weights: StateDict;
  /** where the weights came from, recorded in the metadata */
  source: string;
  /** graph layout; the default is the runtime-friendly one (see BuildOptions) */
  build?: BuildOptions;
  /** how the weights file stores values (default float32; float16 halves it) */
  weightsDType?: WeightsDType;
  /** the tiling inference should use by default (a model trained on small crops), recorded in the metadata */
  tiles?: { tile: number; overlap: number };
}

export interface ExportResult {
  files: string[];
  weightsSha256: string;
}

export function exportDynet(opts: ExportOptions): ExportResult {
  const build = opts.build ?? FAST_BUILD;
  const graphs = opts.variants.map((v) => ({ variant: v, graph: v === 'any' ? buildDynetAnyDepth(opts.config, build) : buildDynet(opts.config, v, build) }));
  const specs = graphParameterSpecs(graphs[0].graph).filter((s) => s.onForwardPath);
  const layout = layoutWeights(WEIGHTS_FILE, specs, opts.weightsDType ?? 'float32');
  const weightBytes = encodeWeights(layout, opts.weights);
  const weightsSha256 = createHash('sha256').update(weightBytes).digest('hex');
  // Encode everything before writing anything, so a failure leaves the folder as it was.
  const encoded = graphs.map(({ variant, graph }) => ({
    file: path.join(opts.outDir, graphFileName(variant)),
    bytes: serializeGraph(graph, {
      weights: layout,
      producerVersion: VERSION,
      metadata: graphMetadata(opts, variant, weightsSha256),
    }),
  }));
  fs.mkdirSync(opts.outDir, { recursive: true });
  const weightsPath = path.join(opts.outDir, WEIGHTS_FILE);
  atomicWriteFileSync(weightsPath, weightBytes);
  for (const { file, bytes } of encoded) atomicWriteFileSync(file, bytes);
  return { files: [weightsPath, ...encoded.map((e) => e.file)], weightsSha256 };
}

function graphMetadata(opts: ExportOptions, variant: ExportVariant, weightsSha256: string): Record<string, string> {
  const { min, max } = ANY_DEPTH_RANGE;
  return {
    'dynet.variant': variant,
    ...(variant === 'any'
      ? {
          'dynet.depth': `depth: int64 [4], the reuse count of each level's shared block, each ${min} to ${max} (not checked by the graph); ` +
            `${opts.config.reuse.S.join(',')} computes DyNet-S, ${opts.config.reuse.L.join(',')} DyNet-L`,
          'dynet.depth_range': JSON.stringify([min, max]),
          'dynet.reuse_S': JSON.stringify(opts.config.reuse.S),
          'dynet.reuse_L': JSON.stringify(opts.config.reuse.L),
        }
      : { 'dynet.reuse': JSON.stringify(opts.config.reuse[variant]) }),
    'dynet.config': JSON.stringify(opts.config),
    'dynet.input': 'input: float32 [N,3,H,W] in [0,1]; any N; H and W multiples of 8',
    'dynet.weights_file': WEIGHTS_FILE,
    'dynet.weights_dtype': opts.weightsDType ?? 'float32',
    'dynet.weights_sha256': weightsSha256,
    'dynet.weights_source': opts.source,
    ...(opts.tiles ? { 'dynet.tile': String(opts.tiles.tile), 'dynet.tile_overlap': String(opts.tiles.overlap) } : {}),
  };
}
