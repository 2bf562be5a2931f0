/** `dynet data niqe-fit`: the pristine NIQE model from a folder of pristine images. */
import { decodeImage } from './image';
import { fitPristine, pristineBlocks } from './niqe';
import { NIQE_MODEL_FORMAT, NiqeModelFile, writeNiqeModel } from './niqe-model';
import { checkRoots, scanImages } from './scan';

export interface NiqeFitOptions {
  inputs: string[];
  out: string;
  blockSize?: number;
  sharpnessThreshold?: number;
  log?: (line: string) => void;
}

export async function fitNiqeModel(opts: NiqeFitOptions): Promise<NiqeModelFile> {
  const blockSize = opts.blockSize ?? 96;
  const threshold = opts.sharpnessThreshold ?? 0.75;
  if (!Number.isInteger(blockSize) || blockSize < 8 || blockSize % 2) throw new RangeError(`--block must be an even integer >= 8, got ${blockSize}`);
  if (!(threshold >= 0 && threshold < 1)) throw new RangeError(`--sharpness must lie in [0, 1), got ${threshold}`);
  checkRoots(opts.inputs);
  const blocks: number[][] = [];
  let images = 0;
  for (const e of scanImages(opts.inputs)) {
    let img;
    try {
      img = await decodeImage(e.source);
    } catch (err) {
      opts.log?.(`skipped ${e.source}: ${(err as Error).message.split('\n')[0]}`);
      continue;
    }
    if (img.width < blockSize || img.height < blockSize) {
      opts.log?.(`skipped ${e.source}: smaller than one ${blockSize}x${blockSize} block`);
      continue;
    }
    blocks.push(...pristineBlocks(img, blockSize, threshold));
    images++;
  }
  if (blocks.length < 2 * 36) throw new Error(`only ${blocks.length} sharp blocks in ${images} images: a 36-feature model needs at least 72; add pristine images`);
  const fit = fitPristine(blocks, blockSize);
  const model: NiqeModelFile = {
    format: NIQE_MODEL_FORMAT,
    version: 1,
    reference: 'Mittal, Soundararajan, Bovik 2013; conventions of the authors\' MATLAB niqe_release',
    blockSize,
    sharpnessThreshold: threshold,
    images,
    blocks: blocks.length,
    mu: fit.mu,
    cov: fit.cov,
  };
  try {
    writeNiqeModel(opts.out, model);
  } catch (err) {
    throw new Error(`--out ${opts.out}: cannot write the model (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  return model;
}
