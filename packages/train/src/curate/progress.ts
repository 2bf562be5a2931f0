/** The progress bar (images/s) on a terminal, and the closing summary. */
import { MultiBar, Presets, SingleBar } from 'cli-progress';
import type { Summary } from './manifest';

export interface ProgressSink {
  start(total: number): void;
  tick(summary: Summary): void;
  log(line: string): void;
  stop(): void;
}

/** A cli-progress bar on stderr when it is a terminal; plain lines otherwise. */
export function progressBar(enabled = !!process.stderr.isTTY): ProgressSink {
  if (!enabled) {
    return { start() {}, tick() {}, log: (line) => process.stderr.write(`${line}\n`), stop() {} };
  }
  const multi = new MultiBar(
    {
      format: ' {bar} {value}/{total} images | {rate} img/s | kept {kept} | patches {patches} | ETA {eta_formatted}',
      hideCursor: true,
      etaBuffer: 50,
      stream: process.stderr,
    },
    Presets.shades_classic,
  );
  let bar: SingleBar | null = null;
  let t0 = 0;
  let done = 0;
  return {
    start(total) {
      t0 = Date.now();
      bar = multi.create(total, 0, { rate: '0.0', kept: 0, patches: 0 });
    },
    tick(s) {
      done++;
      const rate = (done / Math.max(1e-3, (Date.now() - t0) / 1000)).toFixed(1);
      bar?.increment(1, { rate, kept: s.kept, patches: s.patchesWritten });
    },
    log: (line) => multi.log(`${line}\n`),
    stop: () => multi.stop(),
  };
}

/** The summary lines printed at the end of a run. */
export function formatSummary(s: Summary, extra: { resumed: number; processed: number; seconds: number; maxFlat: number }): string[] {
  const reasons = Object.entries(s.byReason)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([r, n]) => `${r} ${n}`)
    .join(', ');
  const rate = extra.processed / Math.max(1e-3, extra.seconds);
  return [
    `images: ${s.seen} seen, ${s.kept} kept, ${s.dropped} dropped, ${s.errors} unreadable${reasons ? ` (by reason: ${reasons})` : ''}`,
    `patches: ${s.patchesWritten} written, ${s.patchesFlat} dropped as more than ${extra.maxFlat * 100}% flat`,
    `this run: ${extra.processed} images in ${extra.seconds.toFixed(1)} s (${rate.toFixed(2)} images/s)${extra.resumed ? `, ${extra.resumed} already done by an earlier run` : ''}`,
  ];
}
