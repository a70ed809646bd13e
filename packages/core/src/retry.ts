/**
 * When to try a Kling call again, decided by business code rather than HTTP status: 1102 and 1303 are
 * both HTTP 429, but one means "out of credits" (never retry) and the other "slow down" (back off).
 */
import { KlingApiError, KlingAvatarError, type RetryClass } from './errors.js';

export interface RetryPolicy {
  /** Retries after the first attempt. Default 4. */
  maxRetries: number;
  /** First backoff delay; Kling asks for at least 1 s (§6). Default 1000. */
  initialDelayMs: number;
  /** Cap on a single delay. Default 30000. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxRetries: 4, initialDelayMs: 1000, maxDelayMs: 30_000 };

/**
 * `min(initial × 2^(attempt−1), max)`, jittered into `[d/2, d]` (conventions §4.3). `attempt` starts
 * at 1; `random` is injectable for deterministic tests.
 */
export function backoffDelay(
  attempt: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.initialDelayMs * 2 ** Math.max(0, attempt - 1), policy.maxDelayMs);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** The retry class of any error: API errors by code, network failures as "may have committed". */
export function retryClassOf(error: unknown): RetryClass | 'network' {
  if (error instanceof KlingApiError || (KlingAvatarError.isInstance(error) && 'retryClass' in error)) {
    return (error as KlingApiError).retryClass;
  }
  if (KlingAvatarError.isInstance(error) && (error.category === 'network' || error.category === 'timeout')) {
    return 'network';
  }
  return 'never';
}

/** Parse `Retry-After` (seconds or an HTTP date) into milliseconds from `nowMs`. */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Math.round(Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

/** The backoff for `attempt`, stretched to Kling's `Retry-After` (capped by the policy) when it sent one. */
export function retryDelayFor(
  error: unknown,
  attempt: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  const backoff = backoffDelay(attempt, policy, random);
  const retryAfter = error instanceof KlingApiError ? error.retryAfterMs : undefined;
  return retryAfter === undefined ? backoff : Math.max(backoff, Math.min(retryAfter, policy.maxDelayMs));
}
