// Data curation (issue 6).
export * from './curate';

// Training artifacts and sessions (issue 3).
export { writeArtifacts, readManifest, ARTIFACT_FILES } from './artifacts';
export type { ArtifactManifest, ArtifactOptions } from './artifacts';
export { TrainingSession } from './training-session';
export type { TrainingSessionOptions } from './training-session';
export { saveCheckpoint, loadCheckpoint } from './checkpoint';
export type { TrainingCheckpoint } from './checkpoint';
export { DEVICES, openSession } from './execution-provider';
export { nchwcBlockSize } from './nchwc';
export type { Device } from './execution-provider';

// The training loop (issue 4).
export { runTraining, readRunSpec, RUN_FILES, lossOf, scheduleOf, isDepth } from './loop/train-run';
export type { RunSpec, RunOptions, RunResult, TrainMode } from './loop/train-run';
export { warmupCosine, constant } from './loop/schedule';
export { drawVariant, drawIndex } from './loop/variant-draw';
export { readLog } from './loop/training-log';
export type { LogRecord } from './loop/training-log';

// Training data: seeded, resumable batch streams and degradations (issue 4).
export * from './data';
