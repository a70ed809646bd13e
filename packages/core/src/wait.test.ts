import { describe, expect, it } from 'vitest';
import { KlingAbortError, KlingTaskFailedError, KlingTimeoutError } from './errors.js';
import type { TaskRecord } from './types.js';
import { waitForTaskWith } from './wait.js';

function fakeClock() {
  let now = 0;
  const sleeps: number[] = [];
  return {
    now: () => now,
    sleeps,
    sleep: async (ms: number, signal?: AbortSignal) => {
      if (signal?.aborted) throw new KlingAbortError();
      sleeps.push(ms);
      now += ms;
    },
  };
}

const record = (task_status: TaskRecord['task_status'], extra: Partial<TaskRecord> = {}): TaskRecord => ({
  task_id: 't1',
  task_status,
  ...extra,
});

describe('waitForTaskWith', () => {
  it('polls with growing, jittered intervals and reports each change once', async () => {
    const clock = fakeClock();
    const statuses = ['submitted', 'processing', 'processing', 'processing', 'succeed'] as const;
    let calls = 0;
    const progress: string[] = [];
    const task = await waitForTaskWith(
      't1',
      {
        getTask: async () => record(statuses[calls++]!),
        sleep: clock.sleep,
        now: clock.now,
        random: () => 0.5,
      },
      { pollIntervalMs: 1000, maxPollIntervalMs: 2000, onProgress: (t) => progress.push(t.task_status) },
    );
    expect(task.task_status).toBe('succeed');
    expect(progress).toEqual(['submitted', 'processing', 'succeed']);
    expect(clock.sleeps).toEqual([1000, 1500, 2000, 2000]);
  });

  it('throws KlingTaskFailedError with the status message, or returns it with returnFailed', async () => {
    const clock = fakeClock();
    const deps = { getTask: async () => record('failed', { task_status_msg: 'risk control' }), ...clock };
    await expect(waitForTaskWith('t1', deps)).rejects.toBeInstanceOf(KlingTaskFailedError);
    await expect(waitForTaskWith('t1', deps, { returnFailed: true })).resolves.toMatchObject({
      task_status: 'failed',
    });
  });

  it('stops at the overall timeout with a KlingTimeoutError naming the last status', async () => {
    const clock = fakeClock();
    const wait = waitForTaskWith(
      't1',
      { getTask: async () => record('processing'), ...clock },
      { timeoutMs: 10_000 },
    );
    await expect(wait).rejects.toBeInstanceOf(KlingTimeoutError);
    await expect(wait).rejects.toThrow(/still processing/);
    expect(clock.now()).toBe(10_000);
  });

  it('cancels: aborts the in-flight query and stops polling', async () => {
    const controller = new AbortController();
    let sawAbort = false;
    const getTask = (signal?: AbortSignal) =>
      new Promise<TaskRecord>((_resolve, reject) => {
        signal?.addEventListener('abort', () => {
          sawAbort = true;
          reject(new Error('aborted fetch'));
        });
      });
    const wait = waitForTaskWith('t1', { getTask, ...fakeClock() }, { signal: controller.signal });
    controller.abort();
    await expect(wait).rejects.toBeInstanceOf(KlingAbortError);
    expect(sawAbort).toBe(true);
  });

  it('a pushed terminal callback ends the sleep early and is confirmed by one query', async () => {
    let now = 0;
    let queries = 0;
    let releasePush: (task: TaskRecord) => void = () => {};
    const sleep = (ms: number, signal?: AbortSignal) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          now += ms;
          resolve();
        }, 60_000);
        signal?.addEventListener('abort', () => {
          clearTimeout(timer);
          reject(new KlingAbortError());
        });
      });
    const wait = waitForTaskWith(
      't1',
      {
        getTask: async () => (queries++ === 0 ? record('processing') : record('succeed')),
        sleep,
        now: () => now,
        nextPush: () =>
          new Promise<TaskRecord>((resolve) => {
            releasePush = resolve;
          }),
      },
      { pollIntervalMs: 50_000 },
    );
    await new Promise((resolve) => setImmediate(resolve));
    releasePush(record('succeed'));
    await expect(wait).resolves.toMatchObject({ task_status: 'succeed' });
    expect(queries).toBe(2);
  });
});
