/** The data pipeline's public types: options, batches, the stream and the per-sample record. */

export type TaskName = 'denoise' | 'derain' | 'dehaze' | 'all-in-one' | 'pretrain';

/** Relative weights of the all-in-one task's three degradations (non-negative, not all zero). */
export interface TaskMix {
  denoise: number;
  derain: number;
  dehaze: number;
}

export interface DataOptions {
  task: TaskName;
  /** folders of clean images (denoise, synthetic rain/haze, pretrain, all-in-one), searched recursively */
  clean?: string[];
  /** paired folders for real deraining/dehazing data, in the layouts documented in docs/training-data.md */
  derain?: string;
  dehaze?: string;
  /** use synthetic rain/haze made from the clean images when no paired folder is given (default true) */
  synthetic?: boolean;
  /** samples per batch */
  batch: number;
  /** side of the square random crops (128 in the paper) */
  crop: number;
  seed: number;
  /** noise levels for denoising, in 8-bit levels (default [15, 25, 50]) */
  sigmas?: number[];
  /**
   * all-in-one only: relative weights of denoising (shared evenly by the sigmas), deraining and
   * dehazing in the draw of each sample's degradation. Default: one share per sigma and one each
   * for rain and haze (AirNet's cycle: 3:1:1 with three sigmas).
   */
  mix?: TaskMix;
  /** worker threads decoding and degrading (default 2; 0 works in the calling thread) */
  workers?: number;
  /** fraction of the clean images held out for validation, chosen deterministically by file name hash (default 0) */
  holdout?: number;
  /** batches prepared ahead of the consumer (default max(2, 2 * workers)) */
  prefetch?: number;
  /** decoded-image cache, in MiB, shared out among the workers (default 1024); least recently used images are dropped */
  cacheMB?: number;
  /**
   * How Gaussian-noise samples become 8-bit: 'truncate' (default) as the authors' `astype(np.uint8)`
   * after clipping, or 'round' to the nearest level.
   */
  noiseRounding?: 'truncate' | 'round';
}

/** What one sample of a batch was made from. */
export type SampleKind = 'denoise' | 'derain' | 'dehaze' | 'pretrain';

export interface SampleInfo {
  kind: SampleKind;
  /** synthetic degradation (rain, haze) made from a clean image, or a real pair */
  source: 'synthetic' | 'pair';
  /** the clean image (and, for a pair, the degraded one) */
  clean: string;
  degraded?: string;
  /** crop origin in the source image and the dihedral transform (0..7) applied after cropping */
  x: number;
  y: number;
  dihedral: number;
  /** the degradation's parameters (sigma, rain, haze, pretrain region and kind...) */
  params: Record<string, number | string | number[]>;
}

/** NCHW [batch, 3, crop, crop] in [0, 1]; `index` is the batch index k. */
export interface Batch {
  input: Float32Array;
  target: Float32Array;
  index: number;
  /** one entry per sample, in batch order */
  samples: SampleInfo[];
}

export interface BatchStream {
  /** the next batch, in index order, whatever the worker timing */
  next(): Promise<Batch>;
  /** stops the workers (until then they keep the process alive); pending and later next() calls reject */
  close(): Promise<void>;
  /** what the stream reads: counts of the training sources after the holdout */
  readonly summary: DataSummary;
}

export interface DataSummary {
  task: TaskName;
  clean: number;
  holdout: number;
  derainPairs: number;
  dehazePairs: number;
  /** the size of the primary source (clean images, or pairs for derain/dehaze from real data): one pass over it */
  epochSamples: number;
}

/** An image and its size after EXIF orientation. */
export interface ImageEntry {
  file: string;
  width: number;
  height: number;
}

/** A degraded image and its clean partner, of one size. */
export interface ImagePair {
  degraded: string;
  clean: string;
  width: number;
  height: number;
}

/** A data problem found before training: one line naming the file or folder. */
export class DataError extends Error {
  override readonly name = 'DataError';
  constructor(message: string, readonly path?: string) {
    super(message);
  }
}
