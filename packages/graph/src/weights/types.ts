/** A named float32 tensor as it travels between checkpoint readers, writers and graph export. */
export interface HostTensor {
  shape: number[];
  data: Float32Array;
}

/** Parameters keyed by the authors' state-dict names (e.g. `encoder_level1.attn.qkv.weight`). */
export type StateDict = Map<string, HostTensor>;

/**
 * A problem with a weights file: the message names the file, so the CLI can print it as one line.
 * Line breaks in the problem (names and JSON snippets quoted from a damaged file) are escaped.
 */
export class WeightFileError extends Error {
  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super(`${file}: ${oneLine(problem)}`);
    this.name = 'WeightFileError';
  }
}

/** `text` with CR and LF escaped as `\r` and `\n`, so it prints as one line. */
export function oneLine(text: string): string {
  return text.replace(/\r/g, '\\r').replace(/\n/g, '\\n');
}
