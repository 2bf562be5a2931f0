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
export type { Device } from './execution-provider';
