import { availableParallelism } from 'node:os';

/** A unit of work for the queue; it receives a signal that fires when the queue is closed with `abort`. */
export type RenderJob<T> = (signal: AbortSignal) => Promise<T>;

export interface RenderQueueOptions {
  /** How many jobs run at once (default: `os.availableParallelism()`). */
  concurrency?: number;
}

export interface EnqueueOptions {
  /** Cancels this job: removed from the queue if still waiting, its signal aborted if running. */
  signal?: AbortSignal;
}

export interface CloseOptions {
  /** Reject waiting jobs and abort running ones instead of letting them finish (default false). */
  abort?: boolean;
}

interface QueuedJob {
  start: () => void;
  cancel: (reason: unknown) => void;
}

/**
 * A small first-in-first-out queue that runs at most `concurrency` render jobs at a time, so a burst
 * of tasks does not start a burst of ffmpeg processes.
 */
export class RenderQueue {
  /** Jobs that may run at once. */
  readonly concurrency: number;
  private readonly waiting: QueuedJob[] = [];
  private active = 0;
  private isClosed = false;
  private readonly closeController = new AbortController();
  private idleWaiters: (() => void)[] = [];

  constructor(options: RenderQueueOptions = {}) {
    const concurrency = options.concurrency ?? availableParallelism();
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);
    }
    this.concurrency = concurrency;
  }

  /** Jobs waiting for a slot. */
  get size(): number {
    return this.waiting.length;
  }

  /** Jobs running now. */
  get running(): number {
    return this.active;
  }

  /** Whether {@link close} was called; a closed queue refuses new jobs. */
  get closed(): boolean {
    return this.isClosed;
  }

  /** Adds a job; resolves or rejects with the job's own result once it has run. */
  enqueue<T>(job: RenderJob<T>, options: EnqueueOptions = {}): Promise<T> {
    const { signal } = options;
    if (this.isClosed) return Promise.reject(new Error('The render queue is closed.'));
    if (signal?.aborted) return Promise.reject(signal.reason);

    return new Promise<T>((resolve, reject) => {
      const entry: QueuedJob = {
        start: () => {
          signal?.removeEventListener('abort', onWaitingAbort);
          this.active += 1;
          const jobSignal = signal
            ? AbortSignal.any([signal, this.closeController.signal])
            : this.closeController.signal;
          let result: Promise<T>;
          try {
            result = job(jobSignal);
          } catch (error) {
            result = Promise.reject(error);
          }
          result.then(resolve, reject).finally(() => {
            this.active -= 1;
            this.next();
          });
        },
        cancel: (reason) => {
          signal?.removeEventListener('abort', onWaitingAbort);
          reject(reason);
        },
      };
      const onWaitingAbort = () => {
        const index = this.waiting.indexOf(entry);
        if (index !== -1) {
          this.waiting.splice(index, 1);
          entry.cancel(signal!.reason);
          this.notifyIfIdle();
        }
      };
      signal?.addEventListener('abort', onWaitingAbort, { once: true });
      this.waiting.push(entry);
      this.next();
    });
  }

  /** Resolves when no job is waiting or running (immediately if the queue is idle). */
  drain(): Promise<void> {
    if (this.active === 0 && this.waiting.length === 0) return Promise.resolve();
    return new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Refuses new jobs and resolves once the queue is idle. By default waiting and running jobs finish;
   * with `abort: true` waiting jobs are rejected and running jobs see their signal abort.
   */
  close(options: CloseOptions = {}): Promise<void> {
    this.isClosed = true;
    if (options.abort) {
      const reason = new DOMException('The render queue was closed.', 'AbortError');
      for (const entry of this.waiting.splice(0)) entry.cancel(reason);
      this.closeController.abort(reason);
    }
    const drained = this.drain();
    this.notifyIfIdle();
    return drained;
  }

  private next(): void {
    while (this.active < this.concurrency && this.waiting.length > 0) {
      this.waiting.shift()!.start();
    }
    this.notifyIfIdle();
  }

  private notifyIfIdle(): void {
    if (this.active !== 0 || this.waiting.length !== 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
