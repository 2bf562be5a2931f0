/** A fixed set of worker threads running processImage, or the calling thread when size is 0. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ImageRecord } from './manifest';
import { processImage, ProcessContext } from './process';
import type { ScanEntry } from './scan';
import type { WorkerReply, WorkerTask } from './worker';

/** The compiled worker script; from the TypeScript sources (tests) it is the built copy in dist/. */
function workerScript(): string {
  const beside = path.join(__dirname, 'worker.js');
  if (fs.existsSync(beside)) return beside;
  const built = path.resolve(__dirname, '..', '..', 'dist', 'curate', 'worker.js');
  if (fs.existsSync(built)) return built;
  throw new Error(`worker script not found (${beside}); build with 'npm run build'`);
}

export class WorkerPool {
  private readonly workers: Worker[] = [];
  private readonly idle: Worker[] = [];
  private readonly pending = new Map<number, { resolve: (r: ImageRecord) => void; reject: (e: Error) => void }>();
  private readonly waiting: (() => void)[] = [];
  private nextId = 0;
  private failure: Error | null = null;

  constructor(readonly size: number, private readonly ctx: ProcessContext) {
    const script = size > 0 ? workerScript() : '';
    for (let i = 0; i < size; i++) {
      const w = new Worker(script, { workerData: ctx });
      w.on('message', (m: WorkerReply) => this.settle(w, m));
      w.on('error', (err) => this.fail(err));
      w.on('exit', (code) => code !== 0 && this.fail(new Error(`a curate worker exited with code ${code}`)));
      this.workers.push(w);
      this.idle.push(w);
    }
  }

  private settle(w: Worker, m: WorkerReply): void {
    const p = this.pending.get(m.id);
    this.pending.delete(m.id);
    this.idle.push(w);
    this.waiting.shift()?.();
    if ('fatal' in m) p?.reject(new Error(m.fatal));
    else p?.resolve(m.record);
  }

  private fail(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    for (const wake of this.waiting.splice(0)) wake();
  }

  /** Resolves once a worker is free (immediately in-thread). */
  async ready(): Promise<void> {
    if (this.size === 0 || this.idle.length > 0 || this.failure) return;
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  /** Starts one image on a free worker; call after ready(). */
  run(entry: ScanEntry): Promise<ImageRecord> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.size === 0) return processImage(entry, this.ctx);
    const w = this.idle.pop();
    if (!w) throw new Error('WorkerPool.run: no idle worker (await ready() first)');
    const id = this.nextId++;
    return new Promise<ImageRecord>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      w.postMessage({ id, entry } satisfies WorkerTask);
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
