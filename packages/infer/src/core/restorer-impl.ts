import { PlanarImage } from './planar-image';
import { ModelRunner } from './model-runner';
import { cropTopLeft, padRegion } from './reflect-pad';
import { DEFAULT_OVERLAP, DEFAULT_TILE, Restorer } from './restorer';
import { TileBlender } from './tile-blender';
import { axisSpans, checkTileOptions, recommendedTiles, Tile } from './tiling';

export class RestorerImpl implements Restorer {
  readonly variant: string;
  readonly backend: string;

  constructor(
    private readonly runner: ModelRunner,
    readonly metadata: Readonly<Record<string, string>>,
    depth?: readonly number[],
  ) {
    this.variant = depth ? `any (depth ${depth.join(',')})` : metadata['dynet.variant'] ?? '?';
    this.backend = runner.backend;
  }

  async restore(image: PlanarImage, options: Restorer.RestoreOptions = {}): Promise<PlanarImage> {
    const recommended = options.tile === undefined ? recommendedTiles(this.metadata) : undefined;
    const tile = options.tile ?? recommended?.tile ?? DEFAULT_TILE;
    const overlap = options.overlap ?? recommended?.overlap ?? Math.min(DEFAULT_OVERLAP, tile / 2);
    checkTileOptions(tile, overlap);
    const rows = axisSpans(image.height, tile, overlap);
    const cols = axisSpans(image.width, tile, overlap);
    const total = rows.length * cols.length;
    options.signal?.throwIfAborted();
    if (total === 1) {
      const out = await this.restoreTile(image, { y: 0, x: 0, height: image.height, width: image.width });
      options.onProgress?.(1, 1);
      return out;
    }
    const blender = new TileBlender(image.width, image.height, rows, cols);
    let done = 0;
    for (const r of rows) {
      for (const c of cols) {
        options.signal?.throwIfAborted();
        const t = { y: r.start, x: c.start, height: r.size, width: c.size };
        blender.add(t, await this.restoreTile(image, t));
        options.onProgress?.(++done, total);
      }
    }
    return blender.result();
  }

  runTensor(data: Float32Array, shape: readonly [number, number, number, number]): Promise<Float32Array> {
    const [n, c, h, w] = shape;
    if (c !== 3 || h % 8 !== 0 || w % 8 !== 0 || data.length !== n * c * h * w) {
      throw new RangeError(`input must be float32 [N,3,H,W] with H, W multiples of 8 and ${n * c * h * w} values; got [${shape}] and ${data.length}`);
    }
    return this.runner.run(data, shape);
  }

  release(): Promise<void> {
    return this.runner.release();
  }

  /** One tile (or the whole image): reflect-pad to a multiple of 8, run, crop back. */
  private async restoreTile(image: PlanarImage, t: Tile): Promise<PlanarImage> {
    const padded = padRegion(image, t.y, t.x, t.height, t.width);
    const out = await this.runner.run(padded.data, [1, 3, padded.height, padded.width]);
    return cropTopLeft({ width: padded.width, height: padded.height, data: out }, t.height, t.width);
  }
}
