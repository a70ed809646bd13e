/**
 * Settings → `runBatch` options. Paths resolve against `working-directory`; the lock file, output
 * folder and cache target are always explicit so the CLI (run locally) and the action (in CI) share
 * one cache when pointed at the same files.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import {
  type BatchEvent,
  type BatchReport,
  defaultLockPath,
  expandGlobs,
  ManifestError,
  type RunBatchOptions,
} from '@kling-avatar/cli';
import type { KlingAuth } from '@kling-avatar/core';
import { convertPathToPattern } from 'tinyglobby';
import { ActionInputError } from './errors.js';
import type { ActionSettings } from './inputs.js';

export interface PreparedBatch {
  options: RunBatchOptions;
  /** Label for problems that point into the generated manifest (see `withJobDefaults`). */
  relabel(report: BatchReport): BatchReport;
  cleanup(): Promise<void>;
}

export interface BatchHooks {
  auth?: KlingAuth;
  signal?: AbortSignal;
  onEvent?: (event: BatchEvent) => void;
  env?: NodeJS.ProcessEnv;
}

export async function prepareBatch(settings: ActionSettings, hooks: BatchHooks = {}): Promise<PreparedBatch> {
  const cwd = settings.workingDirectory;
  const hasGlobs = settings.images.length > 0;
  if (hasGlobs) await checkGlobs(settings.images, settings.audio, cwd);

  const manifestPath = settings.manifest ? resolve(cwd, settings.manifest) : undefined;
  const options: RunBatchOptions = {
    cwd,
    outDir: settings.outputDir
      ? resolve(cwd, settings.outputDir)
      : resolve(manifestPath ? dirname(manifestPath) : cwd, 'out'),
    lockPath: settings.lockFile ? resolve(cwd, settings.lockFile) : defaultLockPath(settings.manifest, cwd),
    target: settings.baseURL,
    concurrency: settings.concurrency,
    maxUnits: settings.maxUnits,
    dryRun: settings.dryRun,
    force: settings.force,
    signal: hooks.signal,
    onEvent: hooks.onEvent,
    wait: waitSettings(settings),
  };
  if (settings.manifest) options.manifestPath = settings.manifest;
  if (hasGlobs) options.globs = { images: settings.images, audio: settings.audio };
  if (hooks.auth) options.clientOptions = { baseURL: settings.baseURL, auth: hooks.auth };

  const { mode, prompt, watermark } = settings.jobDefaults;
  const needsDefaults = !settings.manifest && [mode, prompt, watermark].some((value) => value !== undefined);
  if (!needsDefaults) return { options, relabel: (report) => report, cleanup: async () => {} };
  return withJobDefaults(options, settings, hooks.env ?? process.env);
}

function waitSettings(settings: ActionSettings): RunBatchOptions['wait'] {
  const wait: NonNullable<RunBatchOptions['wait']> = {};
  if (settings.taskTimeoutMs !== undefined) wait.timeoutMs = settings.taskTimeoutMs;
  if (settings.pollIntervalMs !== undefined) {
    wait.pollIntervalMs = settings.pollIntervalMs;
    // The engine backs off ×1.5 up to a cap; keep the cap proportionate to the first interval.
    wait.maxPollIntervalMs = Math.max(settings.pollIntervalMs, Math.min(15_000, settings.pollIntervalMs * 5));
  }
  return wait;
}

/** Each pattern must match something; say which input to fix when one does not. */
async function checkGlobs(images: string[], audio: string[], cwd: string): Promise<void> {
  try {
    await expandGlobs({ images, audio, cwd }, {});
  } catch (error) {
    if (!(error instanceof ManifestError)) throw error;
    const issue = error.issues[0];
    const input = issue?.message.startsWith('audio') ? 'audio' : 'images';
    throw new ActionInputError(
      input,
      `${issue?.message ?? error.message}. Patterns are relative to working-directory; check the paths and that actions/checkout ran.`,
    );
  }
}

/**
 * `runBatch` takes job defaults (mode, prompt, watermark) only from a manifest, so for glob-only runs
 * with those inputs we write a one-off manifest holding them plus the globs (made absolute, so the
 * folder it lives in does not matter). Remove once `RunBatchOptions` accepts `defaults` directly.
 */
async function withJobDefaults(
  options: RunBatchOptions,
  settings: ActionSettings,
  env: NodeJS.ProcessEnv,
): Promise<PreparedBatch> {
  const folder = await mkdtemp(join(env.RUNNER_TEMP || tmpdir(), 'kling-avatar-action-'));
  const generated = join(folder, 'inputs.manifest.json');
  const base = convertPathToPattern(settings.workingDirectory);
  const absolute = (pattern: string) =>
    pattern.startsWith('!') ? `!${base}/${pattern.slice(1)}` : `${base}/${pattern}`;
  const { mode, prompt, watermark } = settings.jobDefaults;
  const manifest = {
    version: 1,
    defaults: { mode, prompt, watermark },
    globs: { images: settings.images.map(absolute), audio: settings.audio.map(absolute) },
  };
  await writeFile(generated, `${JSON.stringify(manifest, null, 2)}\n`);
  const label = 'inputs images/audio';
  return {
    options: { ...options, manifestPath: generated, globs: undefined },
    relabel: (report) => {
      for (const job of report.jobs) {
        if (job.source?.file === generated) job.source = { ...job.source, file: label, line: undefined };
        for (const problem of job.problems ?? []) {
          if (problem.file === generated)
            Object.assign(problem, { file: label, line: undefined, column: undefined });
        }
      }
      return { ...report, manifestPath: undefined };
    },
    cleanup: () => rm(folder, { recursive: true, force: true }),
  };
}
