import type { IDataObject } from 'n8n-workflow';
import { apiRequest } from '../transport';
import {
  asTaskRecord,
  type CreateTaskRequest,
  createTaskIdempotently,
  KlingApiError,
  PATHS,
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
  // The no-double-pay loop is core's (the same one the client uses); only the transport is n8n's.
  return createTaskIdempotently(
    {
      send: async (signal) =>
        requireRecord(
          await apiRequest.call(context, 'POST', PATHS.avatarTasks, {
            body: { ...body } as unknown as IDataObject,
            signal,
            retries: 'none',
          }),
          'create',
        ),
      findByExternalId: (externalTaskId, signal) => findByExternalId(context, externalTaskId, signal),
      sleep: sleepFor,
      now: () => Date.now(),
    },
    {
      externalTaskId: body.external_task_id,
      signal: options.signal,
      lookupFirst: options.lookupFirst !== false,
      concurrencyDeadline: options.deadline,
    },
  );
}
