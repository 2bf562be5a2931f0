/** Training data (issue 4): seeded, resumable batch streams and the degradations they apply. */
export { openBatchStream } from './stream';
export { scanData, checkOptions, mixProblem, DEFAULT_SIGMAS, DEFAULT_CROP, TASKS, MIX_TASKS } from './plan';
export type { DataPlan, Settings as DataSettings } from './plan';
export { listImages, splitHoldout, nameHash, DATA_IMAGE_EXTENSIONS } from './files';
export { PAIR_LAYOUTS, matchPairs } from './pairs';
export type { PairLayout } from './pairs';
export { DataError } from './types';
export type { TaskName, TaskMix, DataOptions, Batch, BatchStream, DataSummary, SampleInfo, SampleKind, ImageEntry, ImagePair } from './types';
export { Rng } from './rng';
export { decodeRgb8, dihedral } from './image';
export type { Rgb8 } from './image';
export { addGaussianNoise, addUniformNoise, addSaltPepper } from './noise';
export { addRain, drawRainParams, rainLayer, RAIN_RANGES } from './rain';
export type { RainParams } from './rain';
export { addHaze, drawHazeParams, depthMap, HAZE_RANGES } from './haze';
export type { HazeParams } from './haze';
export { pretrainCorrupt, drawPretrainParams, maskPatches, PRETRAIN_RANGES } from './pretrain';
export type { PretrainKind, PretrainParams } from './pretrain';
