/** The runtime-agnostic part of @dynet/infer, shared by the Node and the browser entry points. */
export type { PlanarImage } from './planar-image';
export { planarImage } from './planar-image';
export type { Pixels } from './pixel-layout';
export { toPlanar, fromPlanar, hasAlpha } from './pixel-layout';
export { reflectIndex, padRegion, cropTopLeft, roundUp, SIZE_MULTIPLE } from './reflect-pad';
export type { Tile, AxisSpan } from './tiling';
export { planTiles, axisSpans, recommendedTiles, TILE_PROP, TILE_OVERLAP_PROP } from './tiling';
export { psnr, ssim } from './metrics';
export { NumpyRandom } from './numpy-random';
export { centreCrop, addGaussianNoise, toRgb8 } from './test-protocol';
export { readModelMetadata, ModelFormatError } from './model-metadata';
export type { Device, GraphKind, ModelVariant, LoadOptions } from './load-options';
export { DEVICES, DEPTH_RANGE, checkDepth, graphFileName } from './load-options';
export type { ModelRunner } from './model-runner';
export type { Restorer } from './restorer';
export { DEFAULT_TILE, DEFAULT_OVERLAP } from './restorer';
export { createRestorer } from './create-restorer';
