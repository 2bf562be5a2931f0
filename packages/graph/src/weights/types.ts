/** A named float32 tensor as it travels between checkpoint readers, writers and graph export. */
export interface HostTensor {
  shape: number[];
  data: Float32Array;
}

/** Parameters keyed by the authors' state-dict names (e.g. `encoder_level1.attn.qkv.weight`). */
export type StateDict = Map<string, HostTensor>;

/** A problem with a weights file: the message names the file, so the CLI can print it as one line. */
export class WeightFileError extends Error {
  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super(`${file}: ${problem}`);
    this.name = 'WeightFileError';
  }
}
