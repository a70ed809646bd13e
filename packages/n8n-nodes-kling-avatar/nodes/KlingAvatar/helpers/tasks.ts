import type { IDataObject } from 'n8n-workflow';
import { apiRequest, retryDelay } from '../transport';
import {
  asTaskRecord,
  type CreateTaskRequest,
  DEFAULT_RETRY_POLICY,
  KlingApiError,
  PATHS,
  type RetryPolicy,
  retryClassOf,
  type TaskRecord,
  type TtsTaskRecord,
} from './core';
import type { KlingContext } from './interfaces';
import { sleepFor } from './polling';
import { settle } from './settle';

function requireRecord(value: unknown, what: string): TaskRecord {
  const record = asTaskRecord(value);
  if (!record)
    throw new KlingApiError({ statusCode: 200, apiMessage: `${what}: the answer had no task record` });
  return record;
}

/** One task by Kling's `task_id` or by your `external_task_id` (the API takes either in the same slot). */
export async function getTask(context: KlingContext, id: string, signal?: AbortSignal): Promise<TaskRecord> {
  const data = await apiRequest.call(context, 'GET', `${PATHS.avatarTasks}/${encodeURIComponent(id)}`, {
    signal,
  });
  return requireRecord(data, `GET task ${id}`);
}

/** The task with this external id, or `undefined` when Kling has none (code 1203). */
export async function findByExternalId(
  context: KlingContext,
  externalTaskId: string,
  signal?: AbortSignal,
): Promise<TaskRecord | undefined> {
  const outcome = await settle(getTask(context, externalTaskId, signal));
  if (outcome.ok) return outcome.value;
  if (outcome.error instanceof KlingApiError && outcome.error.code === 1203) return undefined;
  throw outcome.error;
}

/** One page of the task list (newest first in the sandbox; Kling does not document the order). */
export async function listTasks(
  context: KlingContext,
  pageNum: number,
  pageSize: number,
  signal?: AbortSignal,
): Promise<TaskRecord[]> {
  const data = await apiRequest.call(context, 'GET', PATHS.avatarTasks, {
    qs: { pageNum, pageSize },
    signal,
  });
  if (!Array.isArray(data)) return [];
  return data.map((record) => requireRecord(record, 'task list'));
}

export async function textToSpeech(
  context: KlingContext,
  body: IDataObject,
  signal?: AbortSignal,
): Promise<TtsTaskRecord> {
  // TTS costs 0.05 units and has no external id to look up; retrying transient errors is safe.
  const data = await apiRequest.call(context, 'POST', PATHS.tts, { body, signal });
  if (!data || typeof data !== 'object') {
    throw new KlingApiError({ statusCode: 200, apiMessage: 'text to speech answered without data' });
  }
  return data as TtsTaskRecord;
}

function isDuplicateExternalId(error: unknown): boolean {
  return error instanceof KlingApiError && error.code === 1201 && /external_task_id/i.test(error.apiMessage);
}

/** 1303 means "your pack's concurrency is full": wait for a slot, checking every few seconds. */
const CONCURRENCY_POLICY: RetryPolicy = {
  maxRetries: Number.MAX_SAFE_INTEGER,
  initialDelayMs: 1000,
  maxDelayMs: 8000,
};

export interface CreateResult {
  task: TaskRecord;
  /** True when a task with this external id already existed (a re-run): nothing new was paid for. */
  reused: boolean;
}

/**
 * Create a task without ever paying twice. The task is looked up by its `external_task_id` first (so a
 * re-run of the same item, e.g. n8n's Retry On Fail, finds it); when a create's outcome is unknown
 * (dropped connection, timeout, 5000/5002) it is looked up again before anything is resent; "already
 * exists" means an earlier attempt did commit. 1303 (pack concurrency full) backs off until
 * `deadline`; account and input errors are thrown at once.
 */
export async function createTaskOnce(
  context: KlingContext,
  body: CreateTaskRequest & { external_task_id: string },
  options: { signal?: AbortSignal; deadline: number; lookupFirst?: boolean },
): Promise<CreateResult> {
  const externalTaskId = body.external_task_id;
  if (options.lookupFirst !== false) {
    const existing = await findByExternalId(context, externalTaskId, options.signal);
    if (existing) return { task: existing, reused: true };
  }
  let transientAttempts = 0;
  let concurrencyAttempts = 0;
  for (;;) {
    const outcome = await settle(
      apiRequest.call(context, 'POST', PATHS.avatarTasks, {
        body: { ...body } as unknown as IDataObject,
        signal: options.signal,
        retries: 'none',
      }),
    );
    if (outcome.ok) return { task: requireRecord(outcome.value, 'create'), reused: false };
    const error = outcome.error;
    if (options.signal?.aborted) throw error;
    if (isDuplicateExternalId(error)) {
      const existing = await findByExternalId(context, externalTaskId, options.signal);
      if (existing) return { task: existing, reused: true };
      throw error;
    }
    const retryClass = retryClassOf(error);
    let delay: number;
    if (error instanceof KlingApiError && error.code === 1303) {
      concurrencyAttempts++;
      delay = retryDelay(error, concurrencyAttempts, CONCURRENCY_POLICY);
      if (Date.now() + delay > options.deadline) throw error;
    } else if (retryClass === 'network' || retryClass === 'backoff-check-first') {
      // The create may have committed before the answer was lost: look before sending it again.
      const existing = await findByExternalId(context, externalTaskId, options.signal);
      if (existing) return { task: existing, reused: true };
      transientAttempts++;
      if (transientAttempts > DEFAULT_RETRY_POLICY.maxRetries) throw error;
      delay = retryDelay(error, transientAttempts);
    } else if (retryClass === 'backoff') {
      transientAttempts++;
      if (transientAttempts > DEFAULT_RETRY_POLICY.maxRetries) throw error;
      delay = retryDelay(error, transientAttempts);
    } else {
      throw error;
    }
    await sleepFor(delay, options.signal);
  }
}
