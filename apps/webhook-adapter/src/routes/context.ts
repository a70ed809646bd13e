import type { AdapterConfig } from '../config.js';
import type { DeliveryWorker } from '../delivery-worker.js';
import type { AdapterMetrics } from '../metrics.js';
import type { OutboundPolicy } from '../outbound.js';
import type { Storage } from '../storage/index.js';
import type { KlingGateway, TaskSync } from '../task-sync.js';

/** What every route needs, built once per adapter instance. */
export interface AdapterContext {
  config: AdapterConfig;
  storage: Storage;
  kling: KlingGateway;
  sync: TaskSync;
  worker: DeliveryWorker;
  policy: OutboundPolicy;
  /** SSRF-guarded fetch for probing user media URLs (core's validator downloads through it). */
  mediaFetch: typeof fetch;
  metrics: AdapterMetrics;
  now: () => number;
  /** False once shutdown began (readiness turns 503). */
  accepting: () => boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Name of the API key that authenticated the request ('' for unauthenticated routes). */
    apiKeyName: string;
  }
  interface FastifyContextConfig {
    /** Require an API key (every client endpoint). */
    auth?: boolean;
  }
}
