/**
 * Callback deliveries (§11): one POST per status change in the legacy body shape, signed with Standard
 * Webhooks headers when a secret is set, retried with exponential backoff and jitter, `410 Gone` stops
 * a task's deliveries, and per task each delivery waits for the one before it so order is kept.
 */
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { backoffDelay, type TaskRecord, webhookHeaders } from '@kling-avatar/core';

export interface DeliveryAttempt {
  taskId: string;
  webhookId: string;
  status: string;
  attempt: number;
  outcome: 'delivered' | 'failed' | 'gone';
  httpStatus?: number;
}

export interface CallbackDispatcherOptions {
  secret?: string;
  retries: number;
  initialDelayMs: number;
  timeoutMs: number;
  now: () => number;
  log?: (line: string) => void;
}

export class CallbackDispatcher {
  readonly attempts: DeliveryAttempt[] = [];
  readonly #options: CallbackDispatcherOptions;
  readonly #chains = new Map<string, Promise<void>>();
  readonly #gone = new Set<string>();
  readonly #stopper = new AbortController();

  constructor(options: CallbackDispatcherOptions) {
    this.#options = options;
    // One listener per delivery waiting to retry: many at once is normal.
    setMaxListeners(0, this.#stopper.signal);
  }

  /** Queue a delivery of `record` (a snapshot) to `url`, after earlier deliveries of the same task. */
  enqueue(url: string, record: TaskRecord): void {
    const taskId = record.task_id;
    const body = JSON.stringify(record);
    const previous = this.#chains.get(taskId) ?? Promise.resolve();
    const next = previous.then(() => this.#deliver(url, taskId, record.task_status, body));
    this.#chains.set(taskId, next);
    void next.finally(() => {
      if (this.#chains.get(taskId) === next) this.#chains.delete(taskId);
    });
  }

  async #deliver(url: string, taskId: string, status: string, body: string): Promise<void> {
    const webhookId = `msg_${randomUUID()}`;
    const signal = this.#stopper.signal;
    for (let attempt = 1; attempt <= this.#options.retries + 1; attempt++) {
      if (signal.aborted || this.#gone.has(taskId)) return;
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        'user-agent': 'kling-avatar-sandbox',
      };
      if (this.#options.secret) {
        Object.assign(
          headers,
          webhookHeaders({
            secret: this.#options.secret,
            id: webhookId,
            timestampSeconds: Math.floor(this.#options.now() / 1000),
            body,
          }),
        );
      }
      let httpStatus: number | undefined;
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers,
          body,
          signal: AbortSignal.any([signal, AbortSignal.timeout(this.#options.timeoutMs)]),
        });
        httpStatus = response.status;
        await response.body?.cancel();
      } catch {
        httpStatus = undefined;
      }
      const delivered = httpStatus !== undefined && httpStatus >= 200 && httpStatus < 300;
      const gone = httpStatus === 410;
      this.attempts.push({
        taskId,
        webhookId,
        status,
        attempt,
        httpStatus,
        outcome: delivered ? 'delivered' : gone ? 'gone' : 'failed',
      });
      this.#options.log?.(`callback ${taskId} ${status} attempt ${attempt} → ${httpStatus ?? 'no answer'}`);
      if (delivered) return;
      if (gone) {
        this.#gone.add(taskId);
        return;
      }
      if (attempt <= this.#options.retries) {
        const delay = backoffDelay(attempt, {
          maxRetries: this.#options.retries,
          initialDelayMs: this.#options.initialDelayMs,
          maxDelayMs: this.#options.initialDelayMs * 2 ** this.#options.retries,
        });
        await sleep(delay, undefined, { signal }).catch(() => {});
      }
    }
  }

  /** Resolves when every queued delivery has finished (delivered, given up or gone). */
  async idle(): Promise<void> {
    while (this.#chains.size > 0) await Promise.allSettled([...this.#chains.values()]);
  }

  stop(): void {
    this.#stopper.abort();
  }
}
