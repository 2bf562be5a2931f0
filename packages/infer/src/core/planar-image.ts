/**
 * The network's image layout: three float32 planes (R, then G, then B; rows top to bottom) with
 * values in [0, 1]. Everything between decoding and encoding works on this layout.
 */
export interface PlanarImage {
  readonly width: number;
  readonly height: number;
  /** 3 * height * width samples: all of R, then all of G, then all of B */
  readonly data: Float32Array;
}

/** Makes a planar image, zero-filled unless `data` is given; checks the sizes. */
export function planarImage(width: number, height: number, data?: Float32Array): PlanarImage {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`image size must be positive integers, got ${width}x${height}`);
  }
  const length = 3 * width * height;
  if (data && data.length !== length) {
    throw new RangeError(`image data has ${data.length} samples, a ${width}x${height} RGB image needs ${length}`);
  }
  return { width, height, data: data ?? new Float32Array(length) };
}
