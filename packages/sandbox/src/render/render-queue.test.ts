import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { RenderQueue } from './render-queue.js';

/** A job the test finishes by hand (also before it starts), recording whether it started and aborted. */
function manualJob<T>(value: T) {
  let finish: (() => void) | undefined;
  const state = { started: false, aborted: false, finishRequested: false };
  const job = (signal: AbortSignal) => {
    state.started = true;
    return new Promise<T>((resolve, reject) => {
      finish = () => resolve(value);
      signal.addEventListener('abort', () => {
        state.aborted = true;
        reject(signal.reason);
      });
      if (state.finishRequested) finish();
    });
  };
  return {
    job,
    state,
    finish: () => {
      state.finishRequested = true;
      finish?.();
    },
  };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('RenderQueue', () => {
  it('defaults to the available parallelism and rejects nonsense', () => {
    expect(new RenderQueue().concurrency).toBe(availableParallelism());
    expect(() => new RenderQueue({ concurrency: 0 })).toThrow(RangeError);
    expect(() => new RenderQueue({ concurrency: 1.5 })).toThrow(RangeError);
  });

  it('runs at most `concurrency` jobs, first in first out', async () => {
    const queue = new RenderQueue({ concurrency: 2 });
    const jobs = [manualJob('a'), manualJob('b'), manualJob('c'), manualJob('d')];
    const results = jobs.map((entry) => queue.enqueue(entry.job));
    expect(queue.running).toBe(2);
    expect(queue.size).toBe(2);
    expect(jobs.map((entry) => entry.state.started)).toEqual([true, true, false, false]);

    jobs[1]!.finish();
    await expect(results[1]).resolves.toBe('b');
    await tick();
    expect(jobs.map((entry) => entry.state.started)).toEqual([true, true, true, false]);
    expect(queue.running).toBe(2);
    expect(queue.size).toBe(1);

    for (const entry of jobs) entry.finish();
    await expect(Promise.all(results)).resolves.toEqual(['a', 'b', 'c', 'd']);
    await queue.drain();
    expect(queue.running).toBe(0);
    expect(queue.size).toBe(0);
  });

  it('passes a failing job on to its caller and keeps going', async () => {
    const queue = new RenderQueue({ concurrency: 1 });
    const failing = queue.enqueue(async () => {
      throw new Error('boom');
    });
    const throwingSync = queue.enqueue(() => {
      throw new Error('sync boom');
    });
    const next = queue.enqueue(async () => 42);
    await expect(failing).rejects.toThrow('boom');
    await expect(throwingSync).rejects.toThrow('sync boom');
    await expect(next).resolves.toBe(42);
  });

  it('drain() resolves at once when idle, otherwise when the last job settles', async () => {
    const queue = new RenderQueue({ concurrency: 1 });
    await queue.drain();
    const first = manualJob(1);
    const second = manualJob(2);
    void queue.enqueue(first.job);
    void queue.enqueue(second.job);
    let drained = false;
    const draining = queue.drain().then(() => {
      drained = true;
    });
    first.finish();
    await tick();
    expect(drained).toBe(false);
    second.finish();
    await draining;
    expect(drained).toBe(true);
  });

  it('close() refuses new jobs and waits for the ones it has', async () => {
    const queue = new RenderQueue({ concurrency: 1 });
    const running = manualJob('running');
    const waiting = manualJob('waiting');
    const results = [queue.enqueue(running.job), queue.enqueue(waiting.job)];
    const closing = queue.close();
    expect(queue.closed).toBe(true);
    await expect(queue.enqueue(async () => 'late')).rejects.toThrow(/closed/);
    running.finish();
    await tick();
    waiting.finish();
    await closing;
    await expect(Promise.all(results)).resolves.toEqual(['running', 'waiting']);
  });

  it('close({ abort: true }) aborts running jobs and rejects waiting ones', async () => {
    const queue = new RenderQueue({ concurrency: 1 });
    const running = manualJob('running');
    const waiting = manualJob('waiting');
    const runningResult = queue.enqueue(running.job);
    const waitingResult = queue.enqueue(waiting.job);
    await queue.close({ abort: true });
    expect(running.state.aborted).toBe(true);
    expect(waiting.state.started).toBe(false);
    await expect(runningResult).rejects.toMatchObject({ name: 'AbortError' });
    await expect(waitingResult).rejects.toMatchObject({ name: 'AbortError' });
  });

  it("a job's own signal removes it while waiting and aborts it while running", async () => {
    const queue = new RenderQueue({ concurrency: 1 });
    const running = manualJob('running');
    const waiting = manualJob('waiting');
    const runningController = new AbortController();
    const waitingController = new AbortController();
    const runningResult = queue.enqueue(running.job, { signal: runningController.signal });
    const waitingResult = queue.enqueue(waiting.job, { signal: waitingController.signal });

    waitingController.abort(new Error('not needed'));
    await expect(waitingResult).rejects.toThrow('not needed');
    expect(queue.size).toBe(0);

    runningController.abort(new Error('cancelled'));
    await expect(runningResult).rejects.toThrow('cancelled');
    await queue.drain();
    expect(waiting.state.started).toBe(false);
    await expect(
      queue.enqueue(async () => 'ok', { signal: AbortSignal.abort(new Error('x')) }),
    ).rejects.toThrow('x');
  });
});
