/** Splitting a collection between machines: image `key` belongs to shard (sha256(key) mod N) + 1. */
import { createHash } from 'node:crypto';

export interface Shard {
  /** 1-based. */
  index: number;
  count: number;
}

export const WHOLE: Shard = { index: 1, count: 1 };

/** Parses `i/N` (1 <= i <= N). */
export function parseShard(spec: string): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(spec);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index < 1 || index > count || !Number.isSafeInteger(count)) {
    throw new RangeError(`--shard must be i/N with 1 <= i <= N (e.g. 1/4), got '${spec}'`);
  }
  return { index, count };
}

export function formatShard(s: Shard): string {
  return `${s.index}/${s.count}`;
}

/** The 1-based shard that owns `key` among `count`. */
export function shardOf(key: string, count: number): number {
  return (createHash('sha256').update(key).digest().readUInt32BE(0) % count) + 1;
}

export function inShard(key: string, s: Shard): boolean {
  return s.count === 1 || shardOf(key, s.count) === s.index;
}
