/** A sandbox with short timings and a client for it, per test. */
import {
  createKlingAvatarClient,
  type KlingAvatarClient,
  type KlingAvatarClientOptions,
} from '@kling-avatar/core';
import { startSandbox } from '@kling-avatar/sandbox';

export type TestSandbox = Awaited<ReturnType<typeof startSandbox>>;

export const FAST_TIMINGS = { submittedMs: 100, processingMs: 300 };
export const FAST_POLLING = { pollIntervalMs: 100, maxPollIntervalMs: 250 };

export async function startTestSandbox(
  options: Parameters<typeof startSandbox>[0] = {},
): Promise<TestSandbox> {
  return startSandbox({ port: 0, host: '127.0.0.1', timings: FAST_TIMINGS, ...options });
}

export function clientFor(
  sandbox: TestSandbox,
  options: Partial<KlingAvatarClientOptions> = {},
): KlingAvatarClient {
  return createKlingAvatarClient({
    baseURL: sandbox.url,
    apiKey: sandbox.credentials.apiKey,
    retry: { initialDelayMs: 200, maxDelayMs: 1000 },
    ...options,
  });
}

/**
 * A fetch that adds `x-sandbox-fault` to creates whose prompt contains `marker`: the way to make one
 * job of a batch fail while the others succeed.
 */
export function faultForPrompt(marker: string, fault: string): typeof fetch {
  return async (input, init) => {
    const body = typeof init?.body === 'string' ? init.body : '';
    if (init?.method === 'POST' && body.includes(marker)) {
      const headers = new Headers(init.headers);
      headers.set('x-sandbox-fault', fault);
      return fetch(input, { ...init, headers });
    }
    return fetch(input, init);
  };
}

/** Whether a file is an MP4 (an `ftyp` box first). */
export function isMp4(bytes: Uint8Array): boolean {
  return bytes.length > 12 && Buffer.from(bytes.subarray(4, 8)).toString('ascii') === 'ftyp';
}
