import { type INode, NodeApiError, NodeOperationError } from 'n8n-workflow';
import { describe, expect, it } from 'vitest';

import { runPool } from '../../nodes/KlingAvatar/helpers/concurrency';
import { errorJson, toKlingError, toNodeError } from '../../nodes/KlingAvatar/helpers/error-handling';
import { sleepFor, waitSettings } from '../../nodes/KlingAvatar/helpers/polling';
import { baseUrlOf } from '../../nodes/KlingAvatar/transport';
import {
  KlingApiError,
  KlingNetworkError,
  KlingTimeoutError,
  KlingValidationError,
} from '../../vendor/kling-avatar-core';
import { NODE } from './helpers/context';

const node: INode = NODE;

describe('error handling', () => {
  const url = 'https://kling.test/v1/videos/avatar/image2video';

  it("reads Kling's body from the NodeApiError n8n throws around an axios error", () => {
    const axiosLike = Object.assign(new Error('Request failed with status code 429'), {
      response: {
        status: 429,
        data: { code: 1303, message: 'parallel task over resource pack limit', request_id: 'r-1' },
        headers: { 'retry-after': '3' },
      },
    });
    const error = toKlingError(new NodeApiError(node, axiosLike as never), url);

    expect(error).toBeInstanceOf(KlingApiError);
    expect(error).toMatchObject({ code: 1303, statusCode: 429, requestId: 'r-1', retryable: true });
    expect((error as KlingApiError).retryClass).toBe('backoff');
  });

  it('reads a raw axios-style error, a string body, and a bare HTTP status', () => {
    expect(
      toKlingError({ response: { status: 400, data: '{"code":1201,"message":"bad"}' } }, url),
    ).toMatchObject({ code: 1201 });
    expect(toKlingError({ httpCode: '502', message: 'Bad gateway' }, url)).toMatchObject({
      statusCode: 502,
      code: undefined,
    });
  });

  it('treats an error without an answer as a network failure (a create may have committed)', () => {
    const error = toKlingError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), url);
    expect(error).toBeInstanceOf(KlingNetworkError);
    expect(error.message).toContain('ECONNRESET');
  });

  it('makes NodeApiError for Kling answers and NodeOperationError for the rest, tied to the item', () => {
    const api = toNodeError(
      node,
      new KlingApiError({
        statusCode: 400,
        code: 1201,
        apiMessage: 'mode must be one of std, pro',
        requestId: 'r-2',
      }),
      3,
    );
    expect(api).toBeInstanceOf(NodeApiError);
    expect(api.message).toBe('Kling code 1201 — Invalid key or value: mode must be one of std, pro');
    expect(api.context).toMatchObject({ itemIndex: 3, klingCode: 1201, requestId: 'r-2' });

    const timeout = toNodeError(
      node,
      new KlingTimeoutError('Task 1 is still processing', { taskId: '1' }),
      2,
    );
    expect(timeout).toBeInstanceOf(NodeOperationError);
    expect(timeout.context).toMatchObject({ itemIndex: 2, taskId: '1' });
    expect(timeout.description).toMatch(/no new charge/);
  });

  it('puts the validation problems into continue-on-fail items', () => {
    const json = errorJson(
      new KlingValidationError(
        [{ path: 'prompt', code: 'prompt_too_long', message: 'prompt: too long' }],
        'Item 0',
      ),
    );
    expect(json).toMatchObject({
      category: 'validation',
      problems: [{ path: 'prompt', code: 'prompt_too_long' }],
    });
  });
});

describe('transport', () => {
  it('resolves the base URL from the region or the custom URL', () => {
    expect(baseUrlOf({ region: 'singapore' })).toBe('https://api-singapore.klingai.com');
    expect(baseUrlOf({ region: 'beijing' })).toBe('https://api-beijing.klingai.com');
    expect(baseUrlOf({ region: 'custom', baseUrl: 'http://127.0.0.1:8787///' })).toBe(
      'http://127.0.0.1:8787',
    );
    expect(baseUrlOf({ region: 'custom', baseUrl: '' })).toBe('https://api-singapore.klingai.com');
  });
});

describe('waiting without timers', () => {
  it('converts seconds to milliseconds with core defaults', () => {
    expect(waitSettings({})).toEqual({ timeoutMs: 900_000, pollIntervalMs: 3_000 });
    expect(waitSettings({ timeout: 60, pollInterval: 2 })).toEqual({
      timeoutMs: 60_000,
      pollIntervalMs: 2_000,
    });
  });

  it('sleeps through n8n-workflow and stops at once on abort', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const pending = sleepFor(10_000, controller.signal);
    controller.abort();
    await expect(pending).rejects.toThrow(/cancelled/);
    expect(Date.now() - started).toBeLessThan(500);
    await expect(sleepFor(5)).resolves.toBeUndefined();
  });
});

describe('runPool', () => {
  it('never runs more than the limit and runs everything', async () => {
    let running = 0;
    let peak = 0;
    const done: number[] = [];
    await runPool(
      10,
      3,
      async (index) => {
        running++;
        peak = Math.max(peak, running);
        await sleepFor(2 + (index % 3));
        running--;
        done.push(index);
      },
      { onError: () => false },
    );
    expect(peak).toBe(3);
    expect(done.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('aborts the others and rethrows the first unabsorbed failure after all settle', async () => {
    const seen: string[] = [];
    const error = await runPool(
      6,
      2,
      async (index, signal) => {
        if (index === 1) throw new Error('boom');
        await sleepFor(50, signal).catch(() => seen.push(`aborted ${index}`));
      },
      { onError: () => false },
    ).catch((caught: unknown) => caught);
    expect((error as Error).message).toBe('boom');
    expect(seen).toEqual(['aborted 0']);
  });
});
