/**
 * The batch render engine: manifest and/or globs → preflight every job → cache check against the lock
 * file → budget → create, wait and download with bounded concurrency → report.
 *
 * Money rules: nothing is created before every job passed preflight and the plan fits the budget; a
 * job's `external_task_id` comes from its content hash, and a `pending` lock record is written before
 * each create, so a re-run after a crash finds the task (getTask by external id) instead of paying twice.
 */
import { mkdir, stat } from 'node:fs/promises';
import { basename, dirname, extname, resolve } from 'node:path';
import {
  createKlingAvatarClient,
  firstVideo,
  KlingApiError,
  type KlingAvatarClient,
  KlingAvatarError,
  KlingTaskFailedError,
  type TaskRecord,
  TTS_PRICE_UNITS,
} from '@kling-avatar/core';
import { downloadVideoToFile } from '@kling-avatar/core/node';
import pLimit from 'p-limit';
import { klingErrorParagraph } from '../util/describe-error.js';
import { expandGlobs } from './globs.js';
import { type LockRecord, LockStore } from './lock.js';
import { type InvalidJobEntry, type JobSpec, loadManifest, ManifestError } from './manifest.js';
import { buildCreateRequest, externalTaskIdFor, type PreparedJob, prepareJob } from './preflight.js';
import type { BatchEvent, BatchReport, BatchTotals, JobPhase, JobReport, RunBatchOptions } from './types.js';

export const DEFAULT_CONCURRENCY = 5;

/** Lock file for a manifest: `avatars.yml` → `avatars.lock.json` beside it. */
export function defaultLockPath(manifestPath: string | undefined, cwd: string): string {
  if (!manifestPath) return resolve(cwd, 'avatars.lock.json');
  const absolute = resolve(cwd, manifestPath);
  const name = basename(absolute, extname(absolute));
  return resolve(dirname(absolute), `${name}.lock.json`);
}

export async function runBatch(options: RunBatchOptions): Promise<BatchReport> {
  const started = Date.now();
  const cwd = resolve(options.cwd ?? process.cwd());
  const emit = (event: BatchEvent) => options.onEvent?.(event);
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new TypeError(`concurrency must be a whole number of at least 1, got ${concurrency}`);
  }
  if (options.maxUnits !== undefined && !(options.maxUnits >= 0)) {
    throw new TypeError(`maxUnits must be a number of at least 0, got ${options.maxUnits}`);
  }
  if (!options.manifestPath && !options.globs) {
    throw new TypeError('runBatch needs a manifestPath, globs, or both');
  }

  // 1. Jobs from the manifest and globs.
  const manifestPath = options.manifestPath ? resolve(cwd, options.manifestPath) : undefined;
  const baseDir = manifestPath ? dirname(manifestPath) : cwd;
  const specs: JobSpec[] = [];
  const invalid: InvalidJobEntry[] = [];
  let defaults = {};
  if (manifestPath) {
    const manifest = await loadManifest(manifestPath, { displayPath: options.manifestPath });
    defaults = manifest.defaults;
    specs.push(...manifest.jobs);
    invalid.push(...manifest.invalid);
    if (manifest.globs) {
      const fromGlobs = await expandGlobs(manifest.globs, manifest.defaults);
      specs.push(...fromGlobs.jobs);
      invalid.push(...fromGlobs.invalid);
    }
  }
  if (options.globs) {
    const toArray = (value: string | string[]) => (Array.isArray(value) ? value : [value]);
    const fromGlobs = await expandGlobs(
      { images: toArray(options.globs.images), audio: toArray(options.globs.audio), cwd },
      defaults,
    );
    specs.push(...fromGlobs.jobs);
    invalid.push(...fromGlobs.invalid);
  }
  const outDir = resolve(cwd, options.outDir ?? resolve(baseDir, 'out'));
  const lockPath = resolve(cwd, options.lockPath ?? defaultLockPath(options.manifestPath, cwd));
  const target = options.target ?? options.client?.baseURL ?? options.clientOptions?.baseURL ?? 'kling';

  // 2. Preflight every job before anything is paid for; names and output files must be unique.
  const reports = new Map<string, JobReport>();
  const order: string[] = [];
  const addReport = (report: JobReport) => {
    let name = report.name;
    for (let suffix = 2; reports.has(name); suffix++) name = `${report.name}-${suffix}`;
    reports.set(name, { ...report, name });
    order.push(name);
    return name;
  };
  for (const entry of invalid) {
    addReport({
      name: entry.name,
      status: 'invalid',
      outputs: [],
      source: entry.source,
      problems: entry.issues.map((issue) => ({
        path: issue.path,
        code: 'manifest',
        message: issue.message,
        file: issue.file,
        line: issue.line,
        column: issue.column,
      })),
      error: entry.issues.map((issue) => issue.message).join('; '),
    });
  }
  const prepared = new Map<string, PreparedJob>();
  const outputsSeen = new Map<string, string>();
  for (const spec of specs) {
    const job = await prepareJob(spec, { outDir, baseDir });
    if (reports.has(spec.name)) {
      job.problems.push({
        path: 'name',
        code: 'manifest',
        message: `another job is already named "${spec.name}" (globs and jobs share names); rename one`,
        file: spec.source.file,
        line: spec.source.line,
      });
    }
    for (const output of job.outputs) {
      const owner = outputsSeen.get(output);
      if (owner) {
        job.problems.push({
          path: 'output',
          code: 'manifest',
          message: `writes ${output}, which job "${owner}" writes too; set a different \`output\``,
          ...(spec.fieldLocations.output ?? spec.source),
        });
      } else {
        outputsSeen.set(output, spec.name);
      }
    }
    const base: JobReport = {
      name: spec.name,
      status: job.problems.length > 0 ? 'invalid' : 'planned',
      outputs: job.outputs,
      estimatedUnits: job.estimatedUnits,
      durationSeconds: job.audioSeconds,
      hash: job.hash,
      mode: spec.mode,
      watermark: spec.watermark,
      image: job.imageLabel,
      audio: job.audioLabel,
      source: spec.source,
    };
    if (job.problems.length > 0) {
      base.problems = job.problems;
      base.error = job.problems.map((problem) => problem.message).join(' ');
      base.outputs = [];
    }
    const name = addReport(base);
    if (base.status === 'planned') prepared.set(name, job);
  }

  // 3. Cache: same hash, same target, outputs on disk.
  const lock = await LockStore.load(lockPath);
  for (const [name, job] of prepared) {
    const record = lock.get(name);
    if (
      options.force ||
      !record ||
      record.status !== 'rendered' ||
      record.hash !== job.hash ||
      record.target !== target
    ) {
      continue;
    }
    const expected = job.outputs;
    const recorded = record.outputs.map((path) => lock.resolvePath(path));
    const sameOutputs =
      expected.length === recorded.length && expected.every((path, index) => path === recorded[index]);
    if (!sameOutputs || !(await allExist(expected))) continue;
    const report = reports.get(name)!;
    Object.assign(report, {
      status: 'cached',
      taskId: record.taskId,
      externalTaskId: record.externalTaskId,
      units: record.units,
      durationSeconds: record.durationSeconds ?? report.durationSeconds,
    } satisfies Partial<JobReport>);
    prepared.delete(name);
  }

  // 4. Budget: in manifest order, stop before the estimate passes --max-units.
  let planned = 0;
  let budgetStopped = false;
  for (const [name, job] of prepared) {
    const report = reports.get(name)!;
    if (options.maxUnits === undefined) {
      planned += job.estimatedUnits ?? 0;
      continue;
    }
    const cost = job.estimatedUnits;
    if (budgetStopped || cost === undefined || planned + cost > options.maxUnits + 1e-9) {
      budgetStopped = true;
      report.status = 'skipped-budget';
      report.error =
        cost === undefined
          ? `cost unknown before rendering (the length of audio_id audio is not known), so it cannot be held to --max-units ${options.maxUnits}`
          : `would bring the estimate to ${round(planned + cost)} units, over --max-units ${options.maxUnits}`;
      prepared.delete(name);
      continue;
    }
    planned += cost;
  }
  const planRows = order.map((name) => reports.get(name)!);
  emit({
    type: 'plan',
    jobs: planRows.map((row) => ({ ...row })),
    estimatedUnits: round(planned),
    maxUnits: options.maxUnits,
    dryRun: options.dryRun === true,
    target,
  });

  const warnings: string[] = [];
  let creates = 0;
  // 5. Render (unless dry run: no client, no network, no lock writes).
  if (!options.dryRun && prepared.size > 0) {
    const client =
      options.client ??
      (options.createClient ? await options.createClient() : createKlingAvatarClient(options.clientOptions));
    const slot = pLimit(concurrency);
    let halted: string | undefined;
    const context: RenderContext = {
      client,
      lock,
      target,
      force: options.force === true,
      wait: options.wait ?? {},
      signal: options.signal,
      emit,
      slot: (fn) => slot(fn),
      countCreate: () => {
        creates++;
      },
      halted: () => halted ?? (options.signal?.aborted ? 'the run was cancelled' : undefined),
      halt: (reason) => {
        halted ??= reason;
      },
    };
    await Promise.all(
      [...prepared].map(async ([name, job]) => {
        const jobStarted = Date.now();
        const report = reports.get(name)!;
        const outcome = await renderJob(name, job, context);
        Object.assign(report, outcome, { elapsedMs: Date.now() - jobStarted });
        emit({ type: 'job-done', job: { ...report } });
      }),
    );
    if (options.signal?.aborted) {
      warnings.push(
        'The run was cancelled; tasks already created keep running and the next run resumes them.',
      );
    }
  }
  if (!options.dryRun) {
    lock.retainOnly(order);
    await lock.save();
  }

  const jobs = order.map((name) => reports.get(name)!);
  const report: BatchReport = {
    ok: jobs.every((job) => job.status === 'rendered' || job.status === 'cached' || job.status === 'planned'),
    dryRun: options.dryRun === true,
    jobs,
    totals: totalsOf(jobs, planned, creates),
    manifestPath,
    outDir,
    lockPath,
    target,
    maxUnits: options.maxUnits,
    elapsedMs: Date.now() - started,
    warnings,
  };
  emit({ type: 'done', report });
  return report;
}

interface RenderContext {
  client: KlingAvatarClient;
  lock: LockStore;
  target: string;
  force: boolean;
  wait: NonNullable<RunBatchOptions['wait']>;
  signal?: AbortSignal;
  emit: (event: BatchEvent) => void;
  slot: <T>(fn: () => Promise<T>) => Promise<T>;
  countCreate: () => void;
  halted: () => string | undefined;
  halt: (reason: string) => void;
}

/** Errors that will hit every job the same way (credentials, account, out of credits): stop starting new ones. */
function haltsRun(error: unknown): boolean {
  return KlingAvatarError.isInstance(error) && (error.category === 'auth' || error.category === 'account');
}

function isNotFound(error: unknown): boolean {
  return error instanceof KlingApiError && error.code === 1203;
}

function isDuplicateExternalId(error: unknown): boolean {
  return error instanceof KlingApiError && error.code === 1201 && /external_task_id/i.test(error.apiMessage);
}

async function findTask(client: KlingAvatarClient, externalTaskId: string, signal?: AbortSignal) {
  try {
    return await client.getTask(externalTaskId, { signal });
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** First generation to use: resume a pending one, retry after a failed task, or move past a render with --force. */
async function chooseGeneration(
  record: LockRecord | undefined,
  hash: string,
  context: RenderContext,
): Promise<number> {
  if (!record || record.hash !== hash) {
    return context.force ? firstUnrenderedGeneration(0, hash, context) : 0;
  }
  if (record.status === 'pending') return record.generation;
  if (record.status === 'failed') return record.generation + 1;
  return context.force ? firstUnrenderedGeneration(record.generation + 1, hash, context) : record.generation;
}

/** With --force, skip generations whose task already succeeded (their result is what --force replaces). */
async function firstUnrenderedGeneration(
  from: number,
  hash: string,
  context: RenderContext,
): Promise<number> {
  let generation = from;
  for (; generation < from + 50; generation++) {
    const task = await findTask(context.client, externalTaskIdFor(hash, generation), context.signal);
    if (task?.task_status !== 'succeed') return generation;
  }
  return generation;
}

async function renderJob(
  name: string,
  job: PreparedJob,
  context: RenderContext,
): Promise<Partial<JobReport>> {
  const { client, lock } = context;
  const phase = (value: JobPhase, extra: { taskId?: string; task?: TaskRecord } = {}) =>
    context.emit({ type: 'job-phase', job: name, phase: value, ...extra });
  let externalTaskId: string | undefined;
  let taskId: string | undefined;
  let resumed = false;
  let ttsUnits = 0;
  const findOrCreateAndWait = async (): Promise<{ task: TaskRecord; generation: number }> => {
    let generation = await chooseGeneration(lock.get(name), job.hash, context);
    for (let attempt = 0; attempt < 10; attempt++, generation++) {
      externalTaskId = externalTaskIdFor(job.hash, generation);
      const pending = (extra: Partial<LockRecord> = {}): LockRecord => ({
        hash: job.hash,
        generation,
        externalTaskId: externalTaskId!,
        target: context.target,
        status: 'pending',
        outputs: [],
        updatedAt: new Date().toISOString(),
        ...extra,
      });
      // Written before the create: if we die right after it, the next run looks this id up.
      await lock.set(name, pending());
      phase('lookup');
      let task = await findTask(client, externalTaskId, context.signal);
      if (task?.task_status === 'failed') continue; // an earlier run's task failed: make a new one
      if (task) {
        resumed = true;
        phase('resumed', { taskId: task.task_id, task });
      } else {
        let audioId: string | undefined;
        if (job.spec.audio.kind === 'tts') {
          phase('tts');
          const { tts } = job.spec.audio;
          const speech = await client.createTts(
            { text: tts.text, voice_id: tts.voiceId, voice_language: tts.language, voice_speed: tts.speed },
            { signal: context.signal },
          );
          audioId = speech.task_result?.audios?.[0]?.id;
          ttsUnits = Number(speech.final_unit_deduction ?? TTS_PRICE_UNITS) || 0;
          if (!audioId) throw new Error('text to speech answered without an audio id');
        }
        const body = await buildCreateRequest(job, audioId);
        phase('creating');
        try {
          task = await client.createTask(
            { ...body, external_task_id: externalTaskId },
            { signal: context.signal },
          );
          context.countCreate();
        } catch (error) {
          if (!isDuplicateExternalId(error)) throw error;
          // Someone (a parallel run, or an identical job in this manifest) created it first: use theirs.
          task = await findTask(client, externalTaskId, context.signal);
          if (!task || task.task_status === 'failed') continue;
          resumed = true;
        }
      }
      taskId = task.task_id;
      await lock.set(name, pending({ taskId }));
      phase(task.task_status === 'processing' ? 'processing' : 'submitted', { taskId, task });
      const finished = await client.waitForTask(task.task_id, {
        ...context.wait,
        signal: context.signal,
        returnFailed: true,
        onProgress: (update) => phase(update.task_status as JobPhase, { taskId, task: update }),
      });
      return { task: finished, generation };
    }
    throw new Error('gave up after 10 failed tasks for the same inputs');
  };

  try {
    const outcome = await context.slot(async () => {
      const halted = context.halted();
      if (halted) throw new NotStartedError(halted);
      try {
        return await findOrCreateAndWait();
      } catch (error) {
        // Decided inside the slot, so the next queued job already sees it.
        if (haltsRun(error)) context.halt(describeFailure(error));
        throw error;
      }
    });

    const { task, generation } = outcome;
    if (task.task_status === 'failed') {
      const failure = new KlingTaskFailedError({
        taskId: task.task_id,
        taskStatusMessage: task.task_status_msg ?? '',
        externalTaskId,
      });
      await lock.set(name, {
        hash: job.hash,
        generation,
        externalTaskId: externalTaskId!,
        target: context.target,
        status: 'failed',
        taskId: task.task_id,
        outputs: [],
        error: failure.message,
        updatedAt: new Date().toISOString(),
      });
      return {
        status: 'failed',
        taskId,
        externalTaskId,
        resumed,
        error: failure.message,
        errorCode: failure.category,
      };
    }

    phase('downloading', { taskId });
    const [clean, watermarked] = job.outputs;
    await mkdir(dirname(clean!), { recursive: true });
    await downloadVideoToFile(client, task, clean!, { signal: context.signal });
    if (watermarked)
      await downloadVideoToFile(client, task, watermarked, { signal: context.signal, watermarked: true });

    const video = firstVideo(task);
    const durationSeconds = video?.duration === undefined ? job.audioSeconds : Number(video.duration);
    const charged = task.final_unit_deduction === undefined ? undefined : Number(task.final_unit_deduction);
    const units = resumed ? charged : round((charged ?? job.estimatedUnits ?? 0) + ttsUnits);
    await lock.set(name, {
      hash: job.hash,
      generation,
      externalTaskId: externalTaskId!,
      target: context.target,
      status: 'rendered',
      taskId: task.task_id,
      outputs: job.outputs.map((path) => lock.storePath(path)),
      units: charged ?? job.estimatedUnits,
      durationSeconds,
      updatedAt: new Date().toISOString(),
    });
    return { status: 'rendered', taskId, externalTaskId, resumed, units, durationSeconds };
  } catch (error) {
    if (haltsRun(error)) context.halt(describeFailure(error));
    return {
      status: 'failed',
      taskId,
      externalTaskId,
      resumed,
      error: describeFailure(error),
      errorCode: KlingAvatarError.isInstance(error) ? (error.code ?? error.category) : undefined,
      requestId: KlingAvatarError.isInstance(error) ? error.requestId : undefined,
    };
  }
}

class NotStartedError extends Error {
  constructor(reason: string) {
    super(`not started: ${reason}`);
    this.name = 'NotStartedError';
  }
}

function describeFailure(error: unknown): string {
  if (KlingAvatarError.isInstance(error)) {
    const paragraph = klingErrorParagraph(error);
    return error.category === 'timeout' || error.category === 'cancelled'
      ? `${paragraph} The task keeps running; run again to resume it (no new charge).`
      : paragraph;
  }
  return error instanceof Error ? error.message : String(error);
}

async function allExist(paths: string[]): Promise<boolean> {
  for (const path of paths) {
    try {
      const info = await stat(path);
      if (!info.isFile() || info.size === 0) return false;
    } catch {
      return false;
    }
  }
  return true;
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

function totalsOf(jobs: JobReport[], estimatedUnits: number, creates: number): BatchTotals {
  const count = (status: JobReport['status']) => jobs.filter((job) => job.status === status).length;
  const rendered = jobs.filter((job) => job.status === 'rendered');
  const withVideo = jobs.filter((job) => job.status === 'rendered' || job.status === 'cached');
  return {
    jobs: jobs.length,
    rendered: rendered.length,
    cached: count('cached'),
    failed: count('failed'),
    invalid: count('invalid'),
    skippedBudget: count('skipped-budget'),
    planned: count('planned'),
    units: round(rendered.reduce((sum, job) => sum + (job.units ?? 0), 0)),
    estimatedUnits: round(estimatedUnits),
    durationSeconds: round(withVideo.reduce((sum, job) => sum + (job.durationSeconds ?? 0), 0)),
    creates,
  };
}

export { ManifestError };
