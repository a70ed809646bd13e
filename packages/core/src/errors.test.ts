import { describe, expect, it } from 'vitest';
import {
  KLING_ERROR_CODES,
  KlingApiError,
  KlingAvatarError,
  KlingNetworkError,
  KlingTaskFailedError,
} from './errors.js';
import { backoffDelay, DEFAULT_RETRY_POLICY, parseRetryAfter, retryClassOf } from './retry.js';

const apiError = (code: number) =>
  new KlingApiError({
    statusCode: KLING_ERROR_CODES[code]!.httpStatus,
    code,
    apiMessage: 'x',
    requestId: 'req-1',
  });

describe('error table and retry decisions', () => {
  it('classes every documented code (API reference §6)', () => {
    const expected: Record<string, number[]> = {
      never: [1000, 1001, 1002, 1100, 1101, 1102, 1103, 1200, 1201, 1202, 1203, 1300, 1301, 1304],
      're-mint': [1003, 1004],
      backoff: [1302, 1303, 5001],
      'backoff-check-first': [5000, 5002],
    };
    for (const [retryClass, codes] of Object.entries(expected)) {
      for (const code of codes) expect(retryClassOf(apiError(code)), String(code)).toBe(retryClass);
    }
    expect(Object.keys(KLING_ERROR_CODES)).toHaveLength(21); // every non-zero row of §6
  });

  it('says "out of credits" plainly for 1102 even though it is HTTP 429, and never marks it retryable', () => {
    const error = apiError(1102);
    expect(error.statusCode).toBe(429);
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(/Out of credits/);
    expect(error.category).toBe('account');
    expect(apiError(1303).retryable).toBe(true);
    expect(apiError(1303).category).toBe('rate_limit');
  });

  it('carries status, code and request id, and is recognised across copies by its marker', () => {
    const error = apiError(1201);
    expect(error).toMatchObject({ statusCode: 400, code: 1201, requestId: 'req-1' });
    expect(KlingAvatarError.isInstance(error)).toBe(true);
    expect(KlingAvatarError.isInstance(new Error('x'))).toBe(false);
    expect(KlingAvatarError.isInstance({ [Symbol.for('kling-avatar.error')]: true })).toBe(true);
    expect(error.toJSON()).toMatchObject({ code: 1201, requestId: 'req-1' });
  });

  it('treats network failures as "may have committed"', () => {
    expect(retryClassOf(new KlingNetworkError('reset', {}))).toBe('network');
    expect(retryClassOf(new Error('other'))).toBe('never');
  });

  it('explains content-safety failures of a task', () => {
    const error = new KlingTaskFailedError({
      taskId: '1',
      taskStatusMessage: 'content risk control triggered',
    });
    expect(error.category).toBe('policy');
    expect(error.message).toMatch(/content-safety/);
    expect(error.taskStatusMessage).toBe('content risk control triggered');
  });

  it('backs off exponentially with jitter in [d/2, d], capped', () => {
    const policy = DEFAULT_RETRY_POLICY;
    expect(backoffDelay(1, policy, () => 0)).toBe(500);
    expect(backoffDelay(1, policy, () => 1)).toBe(1000);
    expect(backoffDelay(3, policy, () => 1)).toBe(4000);
    expect(backoffDelay(20, policy, () => 1)).toBe(30_000);
    expect(parseRetryAfter('3', 0)).toBe(3000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4000)).toBe(6000);
    expect(parseRetryAfter('soon', 0)).toBeUndefined();
  });
});
