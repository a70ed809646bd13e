/**
 * Creating a task without ever paying twice, for every caller (the client, the n8n node): the create
 * carries an `external_task_id`; when its outcome is unknown (dropped connection, timeout, 5000/5002)
 * the task is looked up by that id before anything is sent again; "external_task_id already exists"
 * means an earlier attempt committed. 1303 (the pack's concurrency is full) and other transient codes
 * back off; account, input and policy errors are thrown at once. I/O comes in as functions (portable).
 */
import { KlingApiError } from './errors.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy, retryClassOf, retryDelayFor } from './retry.js';
import type { TaskRecord } from './types.js';

export interface IdempotentCreateDependencies {
  /** One create request, no retries of its own; resolves with the created task record. */
  send: (signal?: AbortSignal) => Promise<TaskRecord>;
  /** The task with this external id, or `undefined` when Kling has none (1203). */
  findByExternalId: (externalTaskId: string, signal?: AbortSignal) => Promise<TaskRecord | undefined>;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  now: () => number;
  random?: () => number;
  /** Called once on 1003/1004 so the next attempt carries a fresh JWT. */
  renewCredentials?: () => void;
}

export interface IdempotentCreateOptions {
  externalTaskId: string;
  signal?: AbortSignal;
  /** Look the id up before the first create (a re-run finds its task). Default false. */
  lookupFirst?: boolean;
  /** Retries for transient failures. Default: core's policy. */
  retry?: RetryPolicy;
  /**
   * Wait for a concurrency slot (1303) until this time (ms since the epoch) instead of counting 1303 as
   * an ordinary retry: a batch may queue behind a full pack for as long as the caller allows.
   */
  concurrencyDeadline?: number;
}

export interface IdempotentCreateResult {
  task: TaskRecord;
  /** True when the task already existed: nothing new was paid for. */
  reused: boolean;
}

const CONCURRENCY_POLICY: RetryPolicy = {
  maxRetries: Number.MAX_SAFE_INTEGER,
  initialDelayMs: 1000,
  maxDelayMs: 8000,
};

export function isDuplicateExternalIdError(error: unknown): boolean {
  return error instanceof KlingApiError && error.code === 1201 && /external_task_id/i.test(error.apiMessage);
}

export async function createTaskIdempotently(
  dependencies: IdempotentCreateDependencies,
  options: IdempotentCreateOptions,
): Promise<IdempotentCreateResult> {
  const { externalTaskId, signal } = options;
  const policy = options.retry ?? DEFAULT_RETRY_POLICY;
  const find = () => dependencies.findByExternalId(externalTaskId, signal);
  if (options.lookupFirst) {
    const existing = await find();
    if (existing) return { task: existing, reused: true };
  }
  let transientAttempts = 0;
  let concurrencyAttempts = 0;
  let renewed = false;
  for (;;) {
    let error: unknown;
    try {
      return { task: await dependencies.send(signal), reused: false };
    } catch (caught) {
      error = caught;
    }
    if (signal?.aborted) throw error;
    if (isDuplicateExternalIdError(error)) {
      const existing = await find();
      if (existing) return { task: existing, reused: true };
      throw error;
    }
    const retryClass = retryClassOf(error);
    let delay: number;
    if (options.concurrencyDeadline !== undefined && error instanceof KlingApiError && error.code === 1303) {
      concurrencyAttempts++;
      delay = retryDelayFor(error, concurrencyAttempts, CONCURRENCY_POLICY, dependencies.random);
      if (dependencies.now() + delay > options.concurrencyDeadline) throw error;
    } else if (retryClass === 'network' || retryClass === 'backoff-check-first') {
      // The create may have committed before the answer was lost: look before sending it again.
      const existing = await find();
      if (existing) return { task: existing, reused: true };
      if (++transientAttempts > policy.maxRetries) throw error;
      delay = retryDelayFor(error, transientAttempts, policy, dependencies.random);
    } else if (retryClass === 'backoff') {
      if (++transientAttempts > policy.maxRetries) throw error;
      delay = retryDelayFor(error, transientAttempts, policy, dependencies.random);
    } else if (retryClass === 're-mint' && !renewed && dependencies.renewCredentials) {
      renewed = true;
      dependencies.renewCredentials();
      continue;
    } else {
      throw error;
    }
    await dependencies.sleep(delay, signal);
  }
}
