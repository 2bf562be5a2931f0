import { findImages, loadRestorer, planRestore, readImage, restoreImageFile, StagedWrites } from '@dynet/infer';
import { SingleBar } from 'cli-progress';
import type { Argv, ArgumentsCamelCase } from 'yargs';
import { InferArgs, withModel, withRuntime, withTiles } from '../infer-options';
import { depthOf, variantOf } from '../options';

export const command = 'restore <inputs..>';
export const describe = 'restore images (PNG, JPEG, WebP; files or folders) with DyNet';

export function builder(y: Argv) {
  return withTiles(withRuntime(withModel(y)))
    .positional('inputs', { type: 'string', array: true, demandOption: true, describe: 'image files and/or folders' })
    .option('out', { alias: 'o', type: 'string', demandOption: true, describe: 'output folder (or file, for one image)' });
}

type Args = ArgumentsCamelCase<InferArgs & { inputs: string[]; out: string }>;

export async function handler(args: Args): Promise<void> {
  const jobs = planRestore(findImages(args.inputs), args.out);
  for (const job of jobs) await readImage(job.input); // refuse unreadable inputs before any work
  const restorer = await loadRestorer({ model: args.model, variant: variantOf(args.variant), depth: depthOf(args.depth), device: args.device, threads: args.threads });
  const t0 = Date.now();
  const bar = new SingleBar({ format: 'restoring {bar} {value}/{total} images | {file} {tiles}', stream: process.stderr, hideCursor: true });
  bar.start(jobs.length, 0, { file: '', tiles: '' });
  const staged = new StagedWrites();
  try {
    for (const job of jobs) {
      bar.update({ file: job.input, tiles: '' });
      const onProgress = (done: number, total: number) => total > 1 && bar.update({ tiles: `tile ${done}/${total}` });
      staged.stage(job.output, await restoreImageFile(restorer, job.input, job.format, { tile: args.tile, overlap: args.overlap, onProgress }));
      bar.increment();
    }
    staged.commit();
  } catch (err) {
    staged.abort();
    throw err;
  } finally {
    bar.stop();
    await restorer.release();
  }
  const seconds = (Date.now() - t0) / 1000;
  console.log(`restored ${jobs.length} image${jobs.length === 1 ? '' : 's'} into ${args.out} in ${seconds.toFixed(1)} s (DyNet-${restorer.variant}, ${restorer.backend})`);
}
