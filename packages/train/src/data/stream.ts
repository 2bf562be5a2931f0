/**
 * The batch stream: batches made ahead by worker threads (or in the calling thread with
 * workers: 0) and handed out strictly in index order.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { DataPlan, scanData } from './plan';
import { BatchMaker, WorkerPlan } from './sample';
import type { Batch, BatchStream, DataOptions, DataSummary } from './types';
import type { BatchReply, BatchRequest, WorkerInit } from './worker';

/** Makes batch k, in whatever order asked. */
interface Maker {
  make(k: number): Promise<Batch>;
  close(): Promise<void>;
}

/** The compiled worker script; from the TypeScript sources (tests) it is the built copy in dist/. */
function workerScript(): string {
  const beside = path.join(__dirname, 'worker.js');
  if (fs.existsSync(beside)) return beside;
  const built = path.resolve(__dirname, '..', '..', 'dist', 'data', 'worker.js');
  if (fs.existsSync(built)) return built;
  throw new Error(`data worker script not found (${beside}); build with 'npm run build'`);
}

class WorkerMaker implements Maker {
  private readonly workers: { worker: Worker; load: number }[] = [];
  private readonly pending = new Map<number, { resolve: (b: Batch) => void; reject: (e: Error) => void; slot: { load: number } }>();
  private failure: Error | null = null;
  private closed = false;

  constructor(count: number, init: WorkerInit) {
    const script = workerScript();
    for (let i = 0; i < count; i++) {
      const worker = new Worker(script, { workerData: init });
      const slot = { worker, load: 0 };
      worker.on('message', (m: BatchReply) => this.settle(m));
      worker.on('error', (err) => this.fail(err));
      worker.on('exit', (code) => !this.closed && this.fail(new Error(`a data worker exited with code ${code}`)));
      this.workers.push(slot);
    }
  }

  private settle(m: BatchReply): void {
    const p = this.pending.get(m.k);
    if (!p) return;
    this.pending.delete(m.k);
    p.slot.load--;
    if ('error' in m) p.reject(new Error(m.error));
    else p.resolve(m.batch);
  }

  private fail(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  make(k: number): Promise<Batch> {
    if (this.failure) return Promise.reject(this.failure);
    const slot = this.workers.reduce((a, b) => (b.load < a.load ? b : a));
    slot.load++;
    return new Promise<Batch>((resolve, reject) => {
      this.pending.set(k, { resolve, reject, slot });
      slot.worker.postMessage({ k } satisfies BatchRequest);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.fail(new Error('the batch stream is closed'));
    await Promise.all(this.workers.map((w) => w.worker.terminate()));
  }
}

class InThreadMaker implements Maker {
  private readonly maker: BatchMaker;
  constructor(init: WorkerInit) {
    this.maker = new BatchMaker(init.plan, init.cacheBytes);
  }
  make(k: number): Promise<Batch> {
    return this.maker.make(k);
  }
  async close(): Promise<void> {}
}

class OrderedStream implements BatchStream {
  private readonly ahead = new Map<number, Promise<Batch>>();
  private requested: number;
  private delivered: number;
  private closed = false;

  constructor(private readonly maker: Maker, start: number, private readonly prefetch: number, readonly summary: DataSummary) {
    this.requested = start;
    this.delivered = start;
    this.fill();
  }

  /** Keeps batches [delivered, delivered + prefetch) asked for. */
  private fill(): void {
    while (this.requested < this.delivered + this.prefetch) {
      const k = this.requested++;
      const p = this.maker.make(k);
      p.catch(() => {}); // a failure is reported by the next() that takes this batch
      this.ahead.set(k, p);
    }
  }

  next(): Promise<Batch> {
    if (this.closed) return Promise.reject(new Error('the batch stream is closed'));
    this.fill();
    const k = this.delivered++;
    const p = this.ahead.get(k)!;
    this.ahead.delete(k);
    this.fill();
    return p;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.ahead.clear();
    await this.maker.close();
  }
}

/** Starts a stream over a scanned plan at batch `startIndex`. */
export function streamFromPlan(plan: DataPlan, startIndex: number): BatchStream {
  const { settings } = plan;
  const init: WorkerInit = {
    plan: { settings, clean: plan.clean, derain: plan.derain, dehaze: plan.dehaze } satisfies WorkerPlan,
    cacheBytes: (settings.cacheMB * 1024 * 1024) / Math.max(1, settings.workers),
  };
  const maker = settings.workers === 0 ? new InThreadMaker(init) : new WorkerMaker(settings.workers, init);
  return new OrderedStream(maker, startIndex, settings.prefetch, plan.summary);
}

/**
 * Opens a stream whose first batch is batch `startIndex`. Batch k is a pure function of
 * (options, k): resuming at k reproduces the run bit for bit. Every folder and image is checked
 * first: a missing or empty folder, an unreadable image, an image smaller than the crop or a
 * degraded image without a clean partner of its size rejects with a one-line DataError naming it.
 */
export async function openBatchStream(opts: DataOptions, startIndex: number): Promise<BatchStream> {
  if (!Number.isSafeInteger(startIndex) || startIndex < 0) throw new RangeError(`startIndex: expected a batch index >= 0, got ${startIndex}`);
  return streamFromPlan(await scanData(opts), startIndex);
}
