/**
 * `dynet export --target opencv`: one self-contained .onnx per variant that OpenCV DNN 4.6
 * (Debian 12's python3-opencv) loads and runs (docs/opencv.md): a fixed input shape (its
 * importer needs static shapes), the weights inside the file as float32 (it reads neither
 * external data nor float16, and dies with SIGFPE on external data), and the portable build
 * (no LayerNormalization, no Max with a constant, no broadcasts it lacks). OpenCV must run it
 * with `net.enableFusion(False)`: its layer fusion moves DyNet's output by 1e-3.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { atomicWriteFileSync } from '../io/atomic-write';
import { DynetConfig, Variant } from '../models/dynet/config';
import { PORTABLE_BUILD } from '../models/dynet/build-options';
import { buildDynet } from '../models/dynet/dynet';
import { serializeGraph } from '../onnx/serialize';
import { VERSION } from '../version';
import { StateDict } from '../weights/types';

export interface OpenCvExportOptions {
  config: DynetConfig;
  variants: readonly Variant[];
  outDir: string;
  weights: StateDict;
  source: string;
  /** the one input size the graph takes: [height, width], multiples of 8 */
  size: readonly [number, number];
}

export function openCvFileName(variant: Variant, [h, w]: readonly [number, number]): string {
  return `dynet-${variant.toLowerCase()}-opencv-${h}x${w}.onnx`;
}

export function exportDynetOpenCv(opts: OpenCvExportOptions): string[] {
  const [h, w] = opts.size;
  if (![h, w].every((d) => Number.isInteger(d) && d >= 8 && d % 8 === 0)) {
    throw new RangeError(`input size ${h}x${w}: height and width must be positive multiples of 8`);
  }
  // Encode everything before writing anything, so a failure leaves the folder as it was.
  const files = opts.variants.map((variant) => ({
    file: path.join(opts.outDir, openCvFileName(variant, opts.size)),
    bytes: serializeGraph(buildDynet(opts.config, variant, PORTABLE_BUILD, [1, 3, h, w]), {
      inlineWeights: opts.weights,
      producerVersion: VERSION,
      metadata: {
        'dynet.variant': variant,
        'dynet.reuse': JSON.stringify(opts.config.reuse[variant]),
        'dynet.config': JSON.stringify(opts.config),
        'dynet.input': `input: float32 [1,3,${h},${w}] in [0,1]`,
        'dynet.target': 'opencv (run with net.enableFusion(False); docs/opencv.md)',
        'dynet.weights_source': opts.source,
      },
    }),
  }));
  fs.mkdirSync(opts.outDir, { recursive: true });
  for (const { file, bytes } of files) atomicWriteFileSync(file, bytes);
  return files.map((f) => f.file);
}
