import { sleep } from 'n8n-workflow';

import { DEFAULT_WAIT, KlingAbortError, type TaskRecord, waitForTaskWith } from './core';
import type { WaitSettings } from './interfaces';

/**
 * Resolve after `ms`, or reject with `KlingAbortError` as soon as `signal` aborts. Built on n8n-workflow's
 * `sleep` because community nodes may not touch timers (n8n Cloud lint bans `setTimeout`); the timer
 * `sleep` started simply runs out on its own after an abort.
 */
export function sleepFor(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(new KlingAbortError('Waiting was cancelled.'));
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    const onAbort = () => {
      if (settled) return;
      settled = true;
      reject(new KlingAbortError('Waiting was cancelled.'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    void sleep(Math.max(0, ms)).then(() => {
      signal?.removeEventListener('abort', onAbort);
      if (settled) return;
      settled = true;
      resolve();
    });
  });
}

/** Seconds from the node's options → the wait loop's milliseconds, with core's defaults. */
export function waitSettings(options: { timeout?: number; pollInterval?: number }): WaitSettings {
  const timeoutSeconds = Number(options.timeout);
  const pollSeconds = Number(options.pollInterval);
  return {
    timeoutMs:
      Number.isFinite(timeoutSeconds) && timeoutSeconds > 0 ? timeoutSeconds * 1000 : DEFAULT_WAIT.timeoutMs,
    pollIntervalMs:
      Number.isFinite(pollSeconds) && pollSeconds > 0 ? pollSeconds * 1000 : DEFAULT_WAIT.pollIntervalMs,
  };
}

/**
 * Poll a task until it succeeds (returned) or fails (core throws `KlingTaskFailedError` carrying Kling's
 * `task_status_msg`), bounded by the timeout and cancelled by `signal`. The loop itself is core's
 * `waitForTaskWith`; n8n supplies the query, the clock and a timer-free sleep. The interval is held at
 * the user's setting (no growth), so "poll every N seconds" means what it says.
 */
export async function pollTask(
  getTask: (signal: AbortSignal | undefined) => Promise<TaskRecord>,
  taskId: string,
  settings: WaitSettings,
  signal: AbortSignal | undefined,
): Promise<TaskRecord> {
  return await waitForTaskWith(
    taskId,
    { getTask, sleep: sleepFor, now: () => Date.now() },
    {
      timeoutMs: settings.timeoutMs,
      pollIntervalMs: settings.pollIntervalMs,
      maxPollIntervalMs: settings.pollIntervalMs,
      signal,
    },
  );
}
