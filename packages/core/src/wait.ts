/**
 * Waiting for a task to finish: polling with backoff and jitter, an overall time limit, cancellation,
 * progress reports, and an optional push channel (callbacks) that ends the wait early. All I/O comes in
 * as functions, so the n8n node (which may not use timers) and the client share this one loop.
 */
import { KlingAbortError, KlingTaskFailedError, KlingTimeoutError } from './errors.js';
import type { TaskRecord } from './types.js';

export interface WaitOptions {
  /** Give up after this long (the task keeps running on Kling). Default 15 minutes: 5-minute pro renders take 10+. */
  timeoutMs?: number;
  /** First delay between polls. Default 3000. */
  pollIntervalMs?: number;
  /** Polls slow down by ×1.5 up to this. Default 15000 (callbacks make polling a fallback). */
  maxPollIntervalMs?: number;
  /** Cancel the wait and the in-flight query. */
  signal?: AbortSignal;
  /** Called with each record whose status or update time changed. */
  onProgress?: (task: TaskRecord) => void;
  /** Return the task even when it failed, instead of throwing `KlingTaskFailedError`. */
  returnFailed?: boolean;
}

export interface WaitDependencies {
  /** One status check; must honour the signal (abort the HTTP request). */
  getTask: (signal: AbortSignal | undefined) => Promise<TaskRecord>;
  /** Resolves after `ms`, or rejects when the signal aborts. */
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  now: () => number;
  random?: () => number;
  /**
   * Push channel: resolves with a record when a callback reports a terminal status. The wait confirms it
   * with one `getTask` (a callback body is never trusted alone) and returns at once.
   */
  nextPush?: (signal: AbortSignal | undefined) => Promise<TaskRecord>;
}

export const DEFAULT_WAIT = {
  timeoutMs: 15 * 60_000,
  pollIntervalMs: 3000,
  maxPollIntervalMs: 15_000,
} as const;

export async function waitForTaskWith(
  taskId: string,
  dependencies: WaitDependencies,
  options: WaitOptions = {},
): Promise<TaskRecord> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_WAIT.timeoutMs;
  const maxInterval = options.maxPollIntervalMs ?? DEFAULT_WAIT.maxPollIntervalMs;
  const random = dependencies.random ?? Math.random;
  const deadline = dependencies.now() + timeoutMs;
  let interval = options.pollIntervalMs ?? DEFAULT_WAIT.pollIntervalMs;
  let lastSeen = '';
  let lastStatus = 'unknown';

  const finish = (task: TaskRecord): TaskRecord => {
    if (task.task_status === 'failed' && !options.returnFailed) {
      throw new KlingTaskFailedError({
        taskId: task.task_id,
        taskStatusMessage: task.task_status_msg ?? '',
        externalTaskId: task.task_info?.external_task_id,
      });
    }
    return task;
  };

  // A push that arrives while we sleep wakes the loop; we then confirm it with a query.
  let pushed = false;
  const pushController = new AbortController();
  const stopPush = () => pushController.abort();
  options.signal?.addEventListener('abort', stopPush, { once: true });
  const pushWatcher = dependencies.nextPush
    ? watchPushes(dependencies.nextPush, pushController.signal, () => {
        pushed = true;
      })
    : undefined;

  try {
    for (;;) {
      if (options.signal?.aborted) throw new KlingAbortError('Waiting was cancelled.', { taskId });
      const task = await dependencies.getTask(options.signal);
      const seen = `${task.task_status}:${task.updated_at ?? ''}`;
      lastStatus = task.task_status;
      if (seen !== lastSeen) {
        lastSeen = seen;
        options.onProgress?.(task);
      }
      if (task.task_status === 'succeed' || task.task_status === 'failed') return finish(task);

      const remaining = deadline - dependencies.now();
      if (remaining <= 0) {
        throw new KlingTimeoutError(
          `Task ${taskId} is still ${lastStatus} after ${Math.round(timeoutMs / 1000)}s; stopped waiting.`,
          { taskId, lastStatus },
        );
      }
      // Jitter keeps many waiting clients from polling in lockstep.
      const delay = Math.min(remaining, Math.round(interval * (0.8 + random() * 0.4)));
      await sleepUnlessPushed(dependencies, delay, options.signal, pushWatcher, () => pushed);
      pushed = false;
      interval = Math.min(maxInterval, Math.round(interval * 1.5));
    }
  } catch (error) {
    if (options.signal?.aborted && !(error instanceof KlingAbortError)) {
      throw new KlingAbortError('Waiting was cancelled.', { taskId, cause: error });
    }
    throw error;
  } finally {
    stopPush();
    options.signal?.removeEventListener('abort', stopPush);
  }
}

interface PushWatcher {
  /** Resolves when the next push arrives. */
  next(): Promise<void>;
}

function watchPushes(
  nextPush: NonNullable<WaitDependencies['nextPush']>,
  signal: AbortSignal,
  onPush: () => void,
): PushWatcher {
  let waiters: Array<() => void> = [];
  const loop = async () => {
    while (!signal.aborted) {
      try {
        const record = await nextPush(signal);
        if (record.task_status === 'succeed' || record.task_status === 'failed') {
          onPush();
          for (const wake of waiters) wake();
          waiters = [];
        }
      } catch {
        return; // The push channel closed or was aborted: polling carries on alone.
      }
    }
  };
  void loop();
  return { next: () => new Promise<void>((resolve) => waiters.push(resolve)) };
}

async function sleepUnlessPushed(
  dependencies: WaitDependencies,
  delay: number,
  signal: AbortSignal | undefined,
  pushWatcher: PushWatcher | undefined,
  alreadyPushed: () => boolean,
): Promise<void> {
  if (alreadyPushed()) return;
  if (!pushWatcher) return dependencies.sleep(delay, signal);
  const sleepController = new AbortController();
  const forward = () => sleepController.abort();
  signal?.addEventListener('abort', forward, { once: true });
  try {
    await Promise.race([
      dependencies.sleep(delay, sleepController.signal).catch((error) => {
        if (signal?.aborted) throw error;
      }),
      pushWatcher.next().then(() => sleepController.abort()),
    ]);
  } finally {
    signal?.removeEventListener('abort', forward);
  }
}
