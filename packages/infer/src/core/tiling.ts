/**
 * Tile layout for images too large to run whole. Tiles start on multiples of 8, so each sees the
 * same 8x8 pixel-unshuffle grid as a whole-image run; the last tile on an axis is stretched to the
 * image border (up to tile + 7 samples, padded like a whole image). Tiles are spread evenly and
 * neighbours overlap by at least `overlap` samples, cross-faded there (see tile-blender.ts).
 */
import { SIZE_MULTIPLE } from './reflect-pad';

export interface Tile {
  readonly y: number;
  readonly x: number;
  readonly height: number;
  readonly width: number;
}

/** One axis of the layout: start and length of each tile, in order. */
export interface AxisSpan {
  readonly start: number;
  readonly size: number;
}

/** Metadata props by which a model recommends a tile size (e.g. one trained on small crops). */
export const TILE_PROP = 'dynet.tile';
export const TILE_OVERLAP_PROP = 'dynet.tile_overlap';

/**
 * The tiling a model's metadata recommends, or undefined when it names none. Networks with global
 * statistics (DyNet's channel attention and prompt weights) behave best on inputs the size of
 * their training crops, so a model trained on small crops says so in `dynet.tile`.
 */
export function recommendedTiles(metadata: Readonly<Record<string, string>>): { tile: number; overlap: number } | undefined {
  if (metadata[TILE_PROP] === undefined) return undefined;
  const tile = Number(metadata[TILE_PROP]);
  const overlap = Number(metadata[TILE_OVERLAP_PROP] ?? Math.floor(tile / 4));
  try {
    checkTileOptions(tile, overlap);
  } catch (err) {
    throw new RangeError(`the model's metadata recommends tiles it cannot use (${TILE_PROP}=${metadata[TILE_PROP]}, ${TILE_OVERLAP_PROP}=${metadata[TILE_OVERLAP_PROP]}): ${(err as Error).message}`);
  }
  return { tile, overlap };
}

/** Checks tile and overlap as the restore options take them. */
export function checkTileOptions(tile: number, overlap: number): void {
  if (!Number.isInteger(tile) || tile < 0 || tile % SIZE_MULTIPLE !== 0) {
    throw new RangeError(`tile must be 0 (no tiling) or a positive multiple of ${SIZE_MULTIPLE}, got ${tile}`);
  }
  if (tile > 0 && (!Number.isInteger(overlap) || overlap < 0 || overlap > tile / 2)) {
    throw new RangeError(`overlap must be an integer from 0 to tile/2 (${tile / 2}), got ${overlap}`);
  }
}

/** Tiles along an axis of `length` samples; one span covering the axis when it fits in a tile. */
export function axisSpans(length: number, tile: number, overlap: number): AxisSpan[] {
  if (tile <= 0 || length <= tile) return [{ start: 0, size: length }];
  const step = Math.max(SIZE_MULTIPLE, Math.floor((tile - overlap) / SIZE_MULTIPLE) * SIZE_MULTIPLE);
  const last = Math.floor((length - tile) / SIZE_MULTIPLE) * SIZE_MULTIPLE;
  if (last === 0) return [{ start: 0, size: length }];
  // As few tiles as keep neighbours' starts at most `step` apart, spread evenly: rounding the
  // starts down to multiples of 8 moves no two more than `step` apart, as `step` is one too.
  const gaps = Math.max(1, Math.ceil(last / step));
  const starts = Array.from({ length: gaps + 1 }, (_, i) => Math.floor((i * last) / gaps / SIZE_MULTIPLE) * SIZE_MULTIPLE);
  return starts.map((start, i) => ({ start, size: i === gaps ? length - start : tile }));
}

/** Every tile of an image, row by row. */
export function planTiles(height: number, width: number, tile: number, overlap: number): Tile[] {
  checkTileOptions(tile, overlap);
  const rows = axisSpans(height, tile, overlap);
  const cols = axisSpans(width, tile, overlap);
  return rows.flatMap((r) => cols.map((c) => ({ y: r.start, x: c.start, height: r.size, width: c.size })));
}
