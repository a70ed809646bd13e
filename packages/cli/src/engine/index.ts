export { expandGlobs, type GlobJobs } from './globs.js';
export { LOCK_VERSION, type LockFileContent, type LockRecord, LockStore } from './lock.js';
export {
  type AudioSpec,
  formatIssue,
  formatLocation,
  type GlobSpec,
  type InvalidJobEntry,
  type JobDefaults,
  type JobSpec,
  type LoadedManifest,
  loadManifest,
  ManifestError,
  type ManifestIssue,
  outputName,
  parseManifest,
  type SourceLocation,
  type TtsSpec,
  watermarkedOutputName,
} from './manifest.js';
export {
  estimateTtsSeconds,
  externalTaskIdFor,
  type PreparedJob,
  prepareJob,
  TTS_CHARACTERS_PER_SECOND,
} from './preflight.js';
export { DEFAULT_CONCURRENCY, defaultLockPath, runBatch } from './run-batch.js';
export type {
  BatchEvent,
  BatchReport,
  BatchTotals,
  GlobOptions,
  JobPhase,
  JobProblem,
  JobReport,
  JobStatus,
  RunBatchOptions,
  WaitSettings,
} from './types.js';
