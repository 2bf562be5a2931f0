/** The training log keeps every record even when its file is replaced under a running run. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TrainingLog, readLog } from '../../src/loop/training-log';

const record = (step: number) => ({ step, variant: 'S', loss: 0.5 / (step + 1), lr: 1e-4, elapsed: step, stepsPerSecond: 1 });

test('records appended after the file is replaced (as git stash or checkout does) land in the new file; resume drops records from its step on', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dynet-training-log-'));
  try {
    const file = path.join(dir, 'train-log.jsonl');
    const log = new TrainingLog(file, 0);
    log.append(record(0));
    log.append(record(1));
    // replace the file by rename, with a copy of what it held
    fs.writeFileSync(`${file}.new`, fs.readFileSync(file));
    fs.renameSync(`${file}.new`, file);
    log.append(record(2));
    log.close();
    expect(readLog(file).map((r) => r.step)).toEqual([0, 1, 2]);
    const resumed = new TrainingLog(file, 1);
    resumed.append(record(1));
    resumed.close();
    expect(readLog(file).map((r) => r.step)).toEqual([0, 1]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
