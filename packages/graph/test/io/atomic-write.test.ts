/** atomicWriteFileSync: bytes, chunks and text arrive whole, and no temporary file is left behind. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { atomicWriteFileSync } from '../../src/io/atomic-write';

test('writes bytes, a list of chunks and UTF-8 text, replacing what was there, leaving no temporary file', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dynet-atomic-'));
  try {
    const file = path.join(dir, 'out.txt');
    atomicWriteFileSync(file, new Uint8Array([1, 2, 3]));
    expect([...fs.readFileSync(file)]).toEqual([1, 2, 3]);
    atomicWriteFileSync(file, [new Uint8Array([4]), new Uint8Array([5, 6])]);
    expect([...fs.readFileSync(file)]).toEqual([4, 5, 6]);
    atomicWriteFileSync(file, 'dépth 2,3,3,4\n');
    expect(fs.readFileSync(file, 'utf8')).toBe('dépth 2,3,3,4\n');
    expect(fs.readdirSync(dir)).toEqual(['out.txt']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
