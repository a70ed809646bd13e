/**
 * Public types of the batch render engine. The GitHub Action turns a `BatchReport` into step outputs, a
 * job summary and a PR comment, so these shapes are part of the package's API.
 */
import type { KlingAvatarClient, KlingAvatarClientOptions, Mode, TaskRecord } from '@kling-avatar/core';
import type { SourceLocation } from './manifest.js';

export type JobStatus = 'rendered' | 'cached' | 'failed' | 'invalid' | 'skipped-budget' | 'planned';

/** A reason a job cannot be rendered, pointing at the manifest line when there is one. */
export interface JobProblem {
  /** Manifest field (`image`, `audio`, `prompt`…) or request field. */
  path: string;
  /** Core's validation code (`image_too_small`, `audio_duration`…) or `manifest`, `file_unreadable`, `tts_duration`. */
  code: string;
  message: string;
  /** What Kling would answer (code 1201 message), when known. */
  apiMessage?: string;
  file?: string;
  line?: number;
  column?: number;
}

export interface JobReport {
  name: string;
  status: JobStatus;
  /** Kling's task id (rendered jobs, failed tasks; cached jobs from the lock file). */
  taskId?: string;
  externalTaskId?: string;
  /** Absolute paths: the clean MP4 first, then the watermarked copy when asked. Planned jobs list where they would go. */
  outputs: string[];
  /** Units charged (rendered, cached), from Kling's `final_unit_deduction`. */
  units?: number;
  /** Units the job is expected to cost (video seconds × mode rate, plus text to speech). */
  estimatedUnits?: number;
  /** Video length: the rendered video's, or the audio's for planned jobs. */
  durationSeconds?: number;
  /** One-paragraph reason for `failed`, `invalid` and `skipped-budget`. */
  error?: string;
  /** Kling's business code or core's error category, when the failure came from Kling. */
  errorCode?: number | string;
  requestId?: string;
  /** Every problem of an `invalid` job. */
  problems?: JobProblem[];
  /** True when the task was found by its external id (a previous run created it): nothing new was paid. */
  resumed?: boolean;
  hash?: string;
  mode?: Mode;
  watermark?: boolean;
  /** Image and audio as written (relative to the manifest), for tables. */
  image?: string;
  audio?: string;
  /** Where the job is defined. */
  source?: SourceLocation;
  /** Wall time spent on this job in this run. */
  elapsedMs?: number;
}

export interface BatchTotals {
  jobs: number;
  rendered: number;
  cached: number;
  failed: number;
  invalid: number;
  skippedBudget: number;
  planned: number;
  /** Units charged by this run's renders (cached jobs cost nothing now). */
  units: number;
  /** Estimated units of the jobs this run renders or plans to render. */
  estimatedUnits: number;
  /** Seconds of video across rendered and cached jobs. */
  durationSeconds: number;
  /** Create requests this run sent (resumed tasks and cache hits are not creates). */
  creates: number;
}

export interface BatchReport {
  /** True when every job is rendered or cached (or, in a dry run, planned or cached). */
  ok: boolean;
  dryRun: boolean;
  jobs: JobReport[];
  totals: BatchTotals;
  manifestPath?: string;
  outDir: string;
  lockPath: string;
  /** Where the run rendered: the API base URL or `local-sandbox`. */
  target: string;
  maxUnits?: number;
  elapsedMs: number;
  /** Problems with the run as a whole (e.g. a cancelled run), besides per-job ones. */
  warnings: string[];
}

export type JobPhase =
  | 'lookup'
  | 'resumed'
  | 'tts'
  | 'creating'
  | 'submitted'
  | 'processing'
  | 'succeed'
  | 'failed'
  | 'downloading';

export type BatchEvent =
  | {
      type: 'plan';
      jobs: JobReport[];
      estimatedUnits: number;
      maxUnits?: number;
      dryRun: boolean;
      target: string;
    }
  | { type: 'job-phase'; job: string; phase: JobPhase; taskId?: string; task?: TaskRecord }
  | { type: 'job-done'; job: JobReport }
  | { type: 'done'; report: BatchReport };

export interface GlobOptions {
  images: string | string[];
  audio: string | string[];
}

export interface WaitSettings {
  /** Give up waiting for one task after this long (it keeps running; the next run resumes it). Default 15 min. */
  timeoutMs?: number;
  /** First poll interval. Default 3000 (the CLI uses 500 against the local sandbox). */
  pollIntervalMs?: number;
  /** Polls slow down ×1.5 up to this. Default 15000. */
  maxPollIntervalMs?: number;
}

export interface RunBatchOptions {
  /** Manifest file (YAML or JSON). Relative paths inside resolve against its folder. */
  manifestPath?: string;
  /** Image and audio globs (relative to `cwd`), paired by base name; combined with the manifest's jobs. */
  globs?: GlobOptions;
  /** Folder for relative `manifestPath`, `globs`, `outDir` and `lockPath`. Default `process.cwd()`. */
  cwd?: string;
  /** Output folder. Default: `out` beside the manifest (or in `cwd`). */
  outDir?: string;
  /** A ready client; or `clientOptions` to make one (only when something is rendered: dry runs need neither). */
  client?: KlingAvatarClient;
  clientOptions?: KlingAvatarClientOptions;
  /**
   * Makes the client only when something must be rendered (after preflight, cache and budget), so a
   * fully cached run never starts a server or reads credentials. Used when `client` is not given.
   */
  createClient?: () => Promise<KlingAvatarClient>;
  /** Tasks running at Kling at once. Default 5 (Kling's trial packs allow 5). */
  concurrency?: number;
  /** Print the plan and estimate only: no network, no lock file writes. */
  dryRun?: boolean;
  /** Re-render jobs even when the lock file says they are up to date. */
  force?: boolean;
  /** Stop before the estimated spend passes this many units; later jobs are `skipped-budget`. */
  maxUnits?: number;
  /** Lock file. Default `<manifest name>.lock.json` beside the manifest, or `avatars.lock.json` in `cwd`. */
  lockPath?: string;
  /** Label of where tasks render, stored in the lock so a cache hit never crosses targets. Default: the client's base URL. */
  target?: string;
  wait?: WaitSettings;
  /** Stops waiting and downloads; created tasks keep running and the next run resumes them. */
  signal?: AbortSignal;
  onEvent?: (event: BatchEvent) => void;
}
