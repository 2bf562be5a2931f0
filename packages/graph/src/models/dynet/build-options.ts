/**
 * How the graph lays out the computation. The function computed is the same either way:
 * `reference` follows the authors' code op for op (and is what `dynet info` counts);
 * `fast` is what `dynet export` writes for ONNX Runtime.
 */
export interface BuildOptions {
  /**
   * Round the GDFN hidden width up to a multiple of this with zero weights (1: no padding), and
   * compute the two gated halves as separate convolution chains instead of one conv and a Split.
   * ONNX Runtime's blocked (NCHWc) CPU convolutions need channel counts that are multiples of
   * 8 or 16; the released widths (127, 255, 425, ...) are not.
   */
  ffnAlign: number;
  /**
   * Only the ops and broadcasts that narrower ONNX runtimes take (OpenCV DNN 4.6; docs/opencv.md):
   * the channel LayerNorm as channel means by a 1x1 convolution with 1/C weights and per-channel
   * scales in NCHW (no Transpose, no LayerNormalization, no broadcast along the last axis or
   * across channels), and l2Normalize's max(||x||, eps) as ||x|| + eps (equal to it in float32
   * wherever ||x|| > 1e-4). Inference only.
   */
  portable?: boolean;
}

export const REFERENCE_BUILD: BuildOptions = { ffnAlign: 0 };
export const FAST_BUILD: BuildOptions = { ffnAlign: 16 };
/** What `dynet export --target opencv` writes: the reference layout with portable ops. */
export const PORTABLE_BUILD: BuildOptions = { ffnAlign: 0, portable: true };
