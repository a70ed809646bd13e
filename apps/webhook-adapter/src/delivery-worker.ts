/**
 * Sends queued deliveries to subscribers (conventions §4.3). Each attempt is claimed in storage first
 * (the outbox), then POSTed with Standard Webhooks headers signed with the hook's own secret, then its
 * result recorded. Success is any 2xx; everything else — timeouts, refused connections, 3xx — is a
 * failure retried with exponential backoff and jitter (core's `backoffDelay`) until the retry window
 * closes, when the delivery becomes dead (the dead-letter list, replayable). `Retry-After` is honoured,
 * 502/504 slow the schedule down, and `410 Gone` removes the hook.
 */
import { backoffDelay, parseRetryAfter, webhookHeaders } from '@kling-avatar/core';
import type { FastifyBaseLogger } from 'fastify';
import type { Dispatcher } from 'undici';
import type { AdapterConfig } from './config.js';
import type { AdapterMetrics } from './metrics.js';
import type { ClaimedDelivery } from './model.js';
import { OutboundBlockedError, type OutboundPolicy } from './outbound.js';
import type { DeliveryOutcome, Storage } from './storage/index.js';

export const USER_AGENT = 'kling-avatar-webhook-adapter/0.1';
/** Bytes of a subscriber's answer we read (and then drop); the rest is discarded unread. */
const MAX_RESPONSE_BYTES = 64 * 1024;

export interface DeliveryWorkerOptions {
  storage: Storage;
  config: AdapterConfig['delivery'];
  policy: OutboundPolicy;
  dispatcher: Dispatcher;
  metrics: AdapterMetrics;
  logger: FastifyBaseLogger;
  replicaId: string;
  now?: () => number;
  random?: () => number;
}

interface AttemptResult {
  statusCode: number | null;
  error?: string;
  retryAfterMs?: number;
}

export class DeliveryWorker {
  readonly #options: DeliveryWorkerOptions;
  readonly #now: () => number;
  readonly #random: () => number;
  #running = false;
  #inFlight = new Set<Promise<void>>();
  #timer: NodeJS.Timeout | undefined;
  #wakeUp: (() => void) | undefined;
  #loop: Promise<void> | undefined;
  readonly #abort = new AbortController();

  constructor(options: DeliveryWorkerOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#random = options.random ?? Math.random;
  }

  get inFlight(): number {
    return this.#inFlight.size;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#loop = this.#run();
  }

  /** New work was queued in this process: look now instead of at the next poll. */
  wake(): void {
    this.#wakeUp?.();
  }

  /**
   * Stop claiming; wait up to `timeoutMs` for sends in flight, then abort the rest and hand their
   * claims back so another replica (or the next start) sends them at once.
   */
  async stop(timeoutMs: number): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    this.wake();
    await this.#loop;
    const drained = Promise.all([...this.#inFlight]).then(() => true);
    const finished = await Promise.race([drained, sleep(timeoutMs).then(() => false)]);
    if (!finished) {
      this.#abort.abort();
      await Promise.all([...this.#inFlight]);
    }
    await this.#options.storage.releaseClaims(this.#options.replicaId, this.#now()).catch(() => 0);
  }

  async #run(): Promise<void> {
    const { config, logger } = this.#options;
    while (this.#running) {
      let claimedFull = false;
      try {
        const free = config.concurrency - this.#inFlight.size;
        if (free > 0) {
          const now = this.#now();
          const claims = await this.#options.storage.claimDueDeliveries({
            now,
            limit: free,
            leaseUntil: now + config.leaseMs,
            replicaId: this.#options.replicaId,
          });
          for (const claim of claims) this.#track(this.#deliver(claim));
          claimedFull = claims.length === free;
        }
      } catch (error) {
        logger.error({ err: error }, 'claiming deliveries failed');
      }
      if (!this.#running) break;
      // A full batch means more may be due: go again once a quarter of the slots are free (claims stay
      // batched instead of one transaction per finished send); otherwise wait for the poll or a wake-up.
      if (claimedFull) await this.#waitForSlots();
      else await this.#sleep(config.pollIntervalMs);
    }
  }

  #track(task: Promise<void>): void {
    this.#inFlight.add(task);
    task.finally(() => {
      this.#inFlight.delete(task);
      this.wake();
    });
  }

  async #waitForSlots(): Promise<void> {
    const { concurrency, pollIntervalMs } = this.#options.config;
    const refillAt = concurrency - Math.max(1, Math.floor(concurrency / 4));
    // Every finished send wakes the sleep, so this re-checks as slots free up.
    while (this.#running && this.#inFlight.size > refillAt) await this.#sleep(pollIntervalMs);
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(this.#timer);
        this.#wakeUp = undefined;
        resolve();
      };
      this.#timer = setTimeout(done, ms);
      this.#wakeUp = done;
    });
  }

  async #deliver(claim: ClaimedDelivery): Promise<void> {
    const { storage, metrics, logger, replicaId } = this.#options;
    const started = performance.now();
    const result = await this.#attempt(claim);
    const now = this.#now();
    const outcome = this.#decide(claim, result, now);
    const seconds = (performance.now() - started) / 1000;
    try {
      const kept = await storage.completeDelivery(claim, replicaId, outcome);
      metrics.deliveryAttempts.inc({ outcome: kept ? outcome.kind : 'lost_claim' });
      metrics.deliveryLatency.observe({ outcome: outcome.kind }, seconds);
      if (outcome.kind === 'dead') {
        logger.warn(
          {
            deliveryId: claim.id,
            eventId: claim.eventId,
            hookId: claim.hookId,
            attempts: claim.attempt,
            error: outcome.error,
          },
          'delivery gave up: moved to the dead-letter list',
        );
      } else if (outcome.kind === 'gone') {
        logger.info({ hookId: claim.hookId }, 'subscriber answered 410 Gone: hook removed');
      }
    } catch (error) {
      // The claim stays `delivering` until its lease ends, then it is sent again (same event id).
      logger.error({ err: error, deliveryId: claim.id }, 'recording a delivery result failed');
    }
  }

  #decide(claim: ClaimedDelivery, result: AttemptResult, now: number): DeliveryOutcome {
    const { config } = this.#options;
    const status = result.statusCode;
    if (status !== null && status >= 200 && status < 300)
      return { kind: 'succeeded', statusCode: status, now };
    if (status === 410) return { kind: 'gone', statusCode: status, now };
    const error = result.error ?? `subscriber answered HTTP ${status}`;
    let delay = backoffDelay(
      claim.attempt,
      {
        initialDelayMs: config.initialBackoffMs,
        maxDelayMs: config.maxBackoffMs,
        maxRetries: Number.MAX_SAFE_INTEGER,
      },
      this.#random,
    );
    // A struggling gateway gets more room.
    if (status === 502 || status === 504) delay = Math.min(delay * 2, Math.max(config.maxBackoffMs, delay));
    if (result.retryAfterMs !== undefined) delay = Math.max(delay, result.retryAfterMs);
    const nextAttemptAt = now + delay;
    if (nextAttemptAt - claim.windowStartedAt > config.retryWindowMs) {
      return { kind: 'dead', statusCode: status, error, now };
    }
    return { kind: 'retry', statusCode: status, error, nextAttemptAt, now };
  }

  async #attempt(claim: ClaimedDelivery): Promise<AttemptResult> {
    const { policy, dispatcher, config } = this.#options;
    let url: URL;
    try {
      url = policy.checkUrlForm(claim.targetUrl);
    } catch (error) {
      return { statusCode: null, error: (error as Error).message };
    }
    const headers = {
      ...webhookHeaders({
        secret: claim.secret,
        id: claim.eventId,
        timestampSeconds: Math.floor(this.#now() / 1000),
        body: claim.payload,
      }),
      'content-type': 'application/json',
      'user-agent': USER_AGENT,
      // Not part of Standard Webhooks (which dedupes by webhook-id): for subscribers' logs and support.
      'x-kling-adapter-delivery': claim.id,
      'x-kling-adapter-attempt': String(claim.attempt),
    };
    const signal = AbortSignal.any([AbortSignal.timeout(config.timeoutMs), this.#abort.signal]);
    try {
      const response = await dispatcher.request({
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method: 'POST',
        headers,
        body: claim.payload,
        signal,
        headersTimeout: config.timeoutMs,
        bodyTimeout: config.timeoutMs,
      });
      let read = 0;
      try {
        for await (const chunk of response.body) {
          read += (chunk as Buffer).length;
          if (read > MAX_RESPONSE_BYTES) break;
        }
      } catch {
        // The answer's status is what counts; a broken body after it does not matter.
      }
      const retryAfter = response.headers['retry-after'];
      return {
        statusCode: response.statusCode,
        retryAfterMs: parseRetryAfter(Array.isArray(retryAfter) ? retryAfter[0] : retryAfter, this.#now()),
      };
    } catch (error) {
      return { statusCode: null, error: describeNetworkError(error, signal, config.timeoutMs) };
    }
  }
}

function describeNetworkError(error: unknown, signal: AbortSignal, timeoutMs: number): string {
  if (signal.aborted) return `no answer within ${timeoutMs} ms`;
  const cause = (error as { cause?: unknown }).cause ?? error;
  if (cause instanceof OutboundBlockedError) return cause.message;
  const code = (cause as { code?: string }).code;
  const message = cause instanceof Error ? cause.message : String(cause);
  return code ? `${code}: ${message}` : message;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
