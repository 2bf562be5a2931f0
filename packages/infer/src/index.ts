/**
 * @dynet/infer on Node: the runtime-agnostic core, loading exported models on onnxruntime-node
 * (or onnxruntime-web under Node), image files through sharp, the evaluation protocol, and the
 * demo page's build and server. Browsers use the `web` entry point instead.
 */
export * from './core';
export { loadRestorer } from './node/load-restorer';
export { DEFAULT_MODEL_DIR } from './node/default-model';
export { locateModel, verifyWeights } from './node/model-files';
export type { ModelFiles } from './node/model-files';
export { readImage, encodeImage, formatOfPath, IMAGE_EXTENSIONS } from './node/image-io';
export type { ImageFormat, DecodedImage } from './node/image-io';
export { findImages, listImagesIn } from './node/image-files';
export type { FoundImage } from './node/image-files';
export { restoreImageFile } from './node/restore-file';
export { planRestore } from './node/restore-plan';
export type { RestoreJob } from './node/restore-plan';
export { StagedWrites } from './node/staged-writes';
export { atomicWriteFileSync } from './node/atomic-write';
export { evaluate, EVAL_TASKS, NOISE_SIGMAS } from './node/evaluate';
export type { EvalTask, EvalOptions, EvalRow, EvalReport } from './node/evaluate';
export { denoiseItems, pairedItems } from './node/eval-data';
export { buildWebPage, PAGE_SOURCE_DIR } from './node/web-page';
export { servePage } from './node/serve-page';
export type { ServeOptions, PageServer } from './node/serve-page';
