import { describe, expect, it } from 'vitest';
import { KLING_ERROR_CODES, KlingApiError, KlingNetworkError } from './errors.js';
import { createTaskIdempotently } from './idempotent-create.js';
import type { TaskRecord } from './types.js';

const task: TaskRecord = { task_id: '1', task_status: 'submitted', task_info: { external_task_id: 'job' } };
const apiError = (code: number, apiMessage = 'x') =>
  new KlingApiError({ statusCode: KLING_ERROR_CODES[code]!.httpStatus, code, apiMessage });

function harness(answers: (TaskRecord | Error)[], existing?: TaskRecord) {
  let now = 0;
  const calls = { sends: 0, lookups: 0, sleeps: [] as number[], renewals: 0 };
  return {
    calls,
    dependencies: {
      send: async () => {
        const answer = answers[calls.sends++];
        if (answer instanceof Error) throw answer;
        return answer!;
      },
      findByExternalId: async () => {
        calls.lookups++;
        return existing;
      },
      sleep: async (ms: number) => {
        calls.sleeps.push(ms);
        now += ms;
      },
      now: () => now,
      random: () => 1,
      renewCredentials: () => {
        calls.renewals++;
      },
    },
  };
}

describe('createTaskIdempotently', () => {
  it('finds a committed task after a dropped connection instead of sending again', async () => {
    const { calls, dependencies } = harness([new KlingNetworkError('socket hang up', {})], task);
    await expect(createTaskIdempotently(dependencies, { externalTaskId: 'job' })).resolves.toEqual({
      task,
      reused: true,
    });
    expect(calls).toMatchObject({ sends: 1, lookups: 1 });
  });

  it('a re-run with lookupFirst pays nothing; "already exists" resolves to the existing task', async () => {
    const first = harness([task], task);
    await expect(
      createTaskIdempotently(first.dependencies, { externalTaskId: 'job', lookupFirst: true }),
    ).resolves.toMatchObject({
      reused: true,
    });
    expect(first.calls.sends).toBe(0);
    const duplicate = harness([apiError(1201, 'external_task_id already exists: job')], task);
    await expect(
      createTaskIdempotently(duplicate.dependencies, { externalTaskId: 'job' }),
    ).resolves.toMatchObject({ reused: true });
  });

  it('queues behind a full pack (1303) until the deadline, then gives up', async () => {
    const waits = harness([apiError(1303), apiError(1303), task]);
    await expect(
      createTaskIdempotently(waits.dependencies, { externalTaskId: 'job', concurrencyDeadline: 60_000 }),
    ).resolves.toMatchObject({
      reused: false,
    });
    expect(waits.calls.sleeps).toEqual([1000, 2000]);
    const late = harness([apiError(1303), apiError(1303), task]);
    await expect(
      createTaskIdempotently(late.dependencies, { externalTaskId: 'job', concurrencyDeadline: 1500 }),
    ).rejects.toMatchObject({
      code: 1303,
    });
  });

  it('renews credentials once on 1004 and never retries account or input errors', async () => {
    const expired = harness([apiError(1004), task]);
    await createTaskIdempotently(expired.dependencies, { externalTaskId: 'job' });
    expect(expired.calls).toMatchObject({ sends: 2, renewals: 1 });
    for (const code of [1102, 1201, 1301]) {
      const refused = harness([apiError(code), task]);
      await expect(
        createTaskIdempotently(refused.dependencies, { externalTaskId: 'job' }),
      ).rejects.toMatchObject({ code });
      expect(refused.calls.sends).toBe(1);
    }
  });
});
