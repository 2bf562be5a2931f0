/** Worker-thread entry: processes the images the pipeline sends, one at a time. */
import { parentPort, workerData } from 'node:worker_threads';
import sharp from 'sharp';
import { processImage, ProcessContext } from './process';
import type { ScanEntry } from './scan';

export interface WorkerTask {
  id: number;
  entry: ScanEntry;
}

export type WorkerReply = { id: number; record: import('./manifest').ImageRecord } | { id: number; fatal: string };

// One libvips thread per worker: the pipeline's parallelism is the number of workers.
sharp.concurrency(1);
const ctx = workerData as ProcessContext;
parentPort?.on('message', (task: WorkerTask) => {
  processImage(task.entry, ctx).then(
    (record) => parentPort!.postMessage({ id: task.id, record } satisfies WorkerReply),
    (err) => parentPort!.postMessage({ id: task.id, fatal: `${task.entry.source}: ${err instanceof Error ? err.message : String(err)}` } satisfies WorkerReply),
  );
});
