/**
 * Accumulates restored tiles into one image. Along each axis, where a tile overlaps a neighbour,
 * the outer quarter of the shared band is dropped from the tile (its border samples saw padding,
 * not the image) and the middle half cross-fades linearly, so two neighbours' weights sum to one
 * across the band and no step appears. Sums are divided by the total weight at the end, which
 * also covers bands three tiles share. For a network whose outputs depend only on inputs within
 * a quarter of the overlap, the blend equals the whole-image result.
 */
import { PlanarImage, planarImage } from './planar-image';
import { AxisSpan, Tile } from './tiling';

export class TileBlender {
  private readonly sum: PlanarImage;
  private readonly weight: Float32Array;

  constructor(
    width: number,
    height: number,
    private readonly rows: readonly AxisSpan[],
    private readonly cols: readonly AxisSpan[],
  ) {
    this.sum = planarImage(width, height);
    this.weight = new Float32Array(width * height);
  }

  /** Adds the restored `out` (tile-sized) of `tile`. */
  add(tile: Tile, out: PlanarImage): void {
    const wy = axisWeights(this.rows, tile.y);
    const wx = axisWeights(this.cols, tile.x);
    const { width, height } = this.sum;
    const plane = width * height;
    const tilePlane = tile.width * tile.height;
    for (let r = 0; r < tile.height; r++) {
      const row = (tile.y + r) * width + tile.x;
      for (let k = 0; k < tile.width; k++) {
        const w = wy[r] * wx[k];
        this.weight[row + k] += w;
        for (let c = 0; c < 3; c++) this.sum.data[c * plane + row + k] += w * out.data[c * tilePlane + r * tile.width + k];
      }
    }
  }

  /** The blended image (the accumulator itself, normalised in place: call once). */
  result(): PlanarImage {
    const plane = this.weight.length;
    for (let i = 0; i < plane; i++) {
      if (!(this.weight[i] > 0)) throw new Error(`internal error: no tile weight at sample ${i}`);
    }
    for (let c = 0; c < 3; c++) {
      for (let i = 0; i < plane; i++) this.sum.data[c * plane + i] /= this.weight[i];
    }
    return this.sum;
  }
}

/** Weights along one axis for the tile starting at `start`. */
export function axisWeights(spans: readonly AxisSpan[], start: number): Float32Array {
  const i = spans.findIndex((s) => s.start === start);
  if (i < 0) throw new RangeError(`no tile starts at ${start}`);
  const { size } = spans[i];
  const lead = i > 0 ? spans[i - 1].start + spans[i - 1].size - start : 0;
  const trail = i < spans.length - 1 ? start + size - spans[i + 1].start : 0;
  const w = new Float32Array(size);
  for (let k = 0; k < size; k++) w[k] = Math.min(k < lead ? ramp(k, lead) : 1, size - 1 - k < trail ? ramp(size - 1 - k, trail) : 1);
  return w;
}

/** Weight at distance `k` from a tile's edge inside a band of `band` shared samples. */
function ramp(k: number, band: number): number {
  const margin = Math.floor(band / 4);
  return Math.min(1, Math.max(0, (k - margin + 1) / (band - 2 * margin + 1)));
}
