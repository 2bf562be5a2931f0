/** Worker-thread entry: makes the batches the stream asks for, one message per batch index. */
import { parentPort, workerData } from 'node:worker_threads';
import sharp from 'sharp';
import { BatchMaker, WorkerPlan } from './sample';

export interface WorkerInit {
  plan: WorkerPlan;
  cacheBytes: number;
}

export interface BatchRequest {
  k: number;
}

export type BatchReply = { k: number; batch: import('./types').Batch } | { k: number; error: string };

// One libvips thread per worker: the stream's parallelism is the number of workers.
sharp.concurrency(1);
const init = workerData as WorkerInit;
const maker = new BatchMaker(init.plan, init.cacheBytes);
parentPort?.on('message', ({ k }: BatchRequest) => {
  maker.make(k).then(
    (batch) => parentPort!.postMessage({ k, batch } satisfies BatchReply, [batch.input.buffer as ArrayBuffer, batch.target.buffer as ArrayBuffer]),
    (err: unknown) => parentPort!.postMessage({ k, error: `batch ${k}: ${err instanceof Error ? err.message : String(err)}` } satisfies BatchReply),
  );
});
