/** The JSON-lines log of a training run: one object per logged step, appended and flushed. */
import * as fs from 'node:fs';

export interface LogRecord {
  step: number;
  variant: string;
  loss: number;
  lr: number;
  /** seconds since the run (or its resume) started */
  elapsed: number;
  stepsPerSecond: number;
}

export function readLog(file: string): LogRecord[] {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim())
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as LogRecord];
      } catch {
        return []; // a line cut short by a crash
      }
    });
}

export class TrainingLog {
  /** Opens the log; on resume, drops records at or after `fromStep` (they will be logged again). */
  constructor(
    readonly file: string,
    fromStep: number,
  ) {
    const kept = readLog(file).filter((r) => r.step < fromStep);
    fs.writeFileSync(file, kept.map((r) => `${JSON.stringify(r)}\n`).join(''));
  }

  /**
   * Appends by path, not through a descriptor held open: a file replaced under a running run
   * (a git checkout or stash of the run folder) would otherwise swallow every later record.
   */
  append(record: LogRecord): void {
    fs.appendFileSync(this.file, `${JSON.stringify(record)}\n`);
  }

  close(): void {
    // nothing held open
  }
}
