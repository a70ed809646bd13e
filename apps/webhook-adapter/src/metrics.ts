/**
 * Prometheus metrics (prom-client). One registry per adapter instance, so several instances in one
 * process (tests) do not collide; queue depth is read from storage when scraped.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Storage } from './storage/index.js';

export interface AdapterMetrics {
  registry: Registry;
  httpRequests: Histogram<'method' | 'route' | 'status'>;
  videosCreated: Counter<'result'>;
  callbacks: Counter<'result'>;
  deliveryAttempts: Counter<'outcome'>;
  deliveryLatency: Histogram<'outcome'>;
  reconcilePolls: Counter<'result'>;
}

export function createMetrics(storage: Storage): AdapterMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'kling_adapter_' });
  const metrics: AdapterMetrics = {
    registry,
    httpRequests: new Histogram({
      name: 'kling_adapter_http_request_duration_seconds',
      help: 'HTTP requests served, by route template and status code',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    videosCreated: new Counter({
      name: 'kling_adapter_videos_created_total',
      help: 'Create requests by result (created, replayed, invalid, rejected, unavailable)',
      labelNames: ['result'],
      registers: [registry],
    }),
    callbacks: new Counter({
      name: 'kling_adapter_kling_callbacks_total',
      help: 'Kling callbacks by result (applied, unchanged, duplicate, refused, unknown)',
      labelNames: ['result'],
      registers: [registry],
    }),
    deliveryAttempts: new Counter({
      name: 'kling_adapter_delivery_attempts_total',
      help: 'Outbound delivery attempts by outcome (succeeded, retry, dead, gone, lost_claim)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    deliveryLatency: new Histogram({
      name: 'kling_adapter_delivery_duration_seconds',
      help: 'Time for one delivery attempt, request to answer',
      labelNames: ['outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15, 30],
      registers: [registry],
    }),
    reconcilePolls: new Counter({
      name: 'kling_adapter_reconcile_polls_total',
      help: 'Tasks polled at Kling by the reconciler or after an unsigned callback, by result',
      labelNames: ['result'],
      registers: [registry],
    }),
  };
  new Gauge({
    name: 'kling_adapter_deliveries',
    help: 'Deliveries by status (pending and delivering form the queue; dead is the dead-letter list)',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      const counts = await storage.countDeliveries();
      for (const [status, count] of Object.entries(counts)) this.set({ status }, count);
    },
  });
  return metrics;
}
