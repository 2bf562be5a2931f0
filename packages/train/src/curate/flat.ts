/**
 * The flat-region detector. A patch is divided into `block` x `block` cells; a cell is flat when its
 * gradient energy, the mean of squared forward differences inside the cell,
 *
 *   E = ( sum (x(i, j+1) - x(i, j))^2 + sum (x(i+1, j) - x(i, j))^2 ) / (block (block - 1))
 *
 * on the BT.601 grey image (0..255), is below `energy`. Differences never cross a cell border, so a
 * cell's verdict depends on its own pixels only. The patch's flat share is flat cells / cells.
 */
import type { Plane } from './image';

export interface FlatOptions {
  /** Cell side in pixels. */
  block: number;
  /** Gradient-energy threshold (grey levels squared per pixel). */
  energy: number;
}

/** Gradient energy of the cell at (x0, y0). */
export function cellEnergy(p: Plane, x0: number, y0: number, block: number): number {
  const { width: w, data } = p;
  let s = 0;
  for (let y = y0; y < y0 + block; y++) {
    for (let x = x0; x < x0 + block; x++) {
      const i = y * w + x;
      if (x + 1 < x0 + block) s += (data[i + 1] - data[i]) ** 2;
      if (y + 1 < y0 + block) s += (data[i + w] - data[i]) ** 2;
    }
  }
  return s / (block * (block - 1));
}

/** Share of flat cells in the region (x0, y0, w, h) of a grey plane; whole cells only. */
export function flatShare(p: Plane, x0: number, y0: number, w: number, h: number, opts: FlatOptions): number {
  const nx = Math.floor(w / opts.block);
  const ny = Math.floor(h / opts.block);
  if (nx === 0 || ny === 0) throw new RangeError(`a ${w}x${h} region holds no ${opts.block}x${opts.block} cell`);
  let flat = 0;
  for (let j = 0; j < ny; j++) {
    for (let i = 0; i < nx; i++) if (cellEnergy(p, x0 + i * opts.block, y0 + j * opts.block, opts.block) < opts.energy) flat++;
  }
  return flat / (nx * ny);
}
