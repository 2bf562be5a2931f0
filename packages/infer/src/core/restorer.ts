/** The one inference API: a loaded DyNet graph on some runtime, restoring images of any size. */
import { PlanarImage } from './planar-image';

export interface Restorer {
  /** 'S' or 'L' as the graph's metadata records it ('?' if absent), or 'any (depth 2,3,3,4)' for dynet-any.onnx at a depth */
  readonly variant: string;
  /** what runs the graph, e.g. 'onnxruntime-node cpu' */
  readonly backend: string;
  /** metadata props of the graph */
  readonly metadata: Readonly<Record<string, string>>;

  /**
   * Restores an image of any size: reflect-pads to a multiple of 8 and crops back, and runs
   * images larger than `tile` as overlapping tiles blended into one. Returns the network's output
   * unclipped.
   */
  restore(image: PlanarImage, options?: Restorer.RestoreOptions): Promise<PlanarImage>;

  /** Runs the graph on a raw [N,3,H,W] tensor (H, W multiples of 8) and returns `output`. */
  runTensor(data: Float32Array, shape: readonly [number, number, number, number]): Promise<Float32Array>;

  release(): Promise<void>;
}

// eslint-disable-next-line @typescript-eslint/no-namespace
export declare namespace Restorer {
  interface RestoreOptions {
    /**
     * Tile size in pixels, a multiple of 8; an image with both sides at most this runs whole, and
     * 0 runs every image whole (memory grows with the image). Default: the tiling the model's
     * metadata recommends (`dynet.tile`, see recommendedTiles), else DEFAULT_TILE. Both.
     */
    tile?: number;
    /** Overlap between neighbouring tiles, 0 to tile/2. Default: the model's recommendation with its tile, else DEFAULT_OVERLAP (at most tile/2). Both. */
    overlap?: number;
    /** Called after each tile with (tiles done, tiles in all). Both. */
    onProgress?: (done: number, total: number) => void;
    /**
     * Stops a tiled restoration between tiles: the promise rejects with the signal's reason (an
     * AbortError DOMException by default). A tile already running finishes first. Both.
     */
    signal?: AbortSignal;
  }
}

/** Default tile size: bounded memory for DyNet-S and -L on CPU while large enough for context. */
export const DEFAULT_TILE = 512;
/** Default overlap between tiles. */
export const DEFAULT_OVERLAP = 64;
