/**
 * Two replicas (child processes) on one PostgreSQL schema deliver the same outbox: every attempt is
 * claimed by exactly one of them (FOR UPDATE SKIP LOCKED + attempt numbers), so no attempt is ever sent
 * twice, while both share the work and a flaky subscriber still gets everything.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId, renderEventPayload } from '../../src/model.js';
import type { Storage } from '../../src/storage/index.js';
import { BACKENDS, type BackendHandle, backend } from '../backends.js';
import {
  PG_URL,
  type ReceivedDelivery,
  type Subscriber,
  startSubscriber,
  testEnv,
  testVideo,
  waitUntil,
} from '../helpers.js';
import { type AdapterProcess, spawnAdapter } from '../process.js';

const VIDEOS = 80;
const HOOKS = 3;

describe.runIf(BACKENDS.includes('postgres'))('two replicas on one PostgreSQL', () => {
  let handle: BackendHandle;
  let storage: Storage;
  let subscriber: Subscriber;
  const replicas: AdapterProcess[] = [];

  beforeAll(async () => {
    handle = await backend('postgres', 'replicas');
    storage = await handle.open();
    subscriber = await startSubscriber();
  });
  afterAll(async () => {
    for (const replica of replicas) await replica.kill('SIGKILL');
    await subscriber?.close();
    await storage?.close();
    await handle?.cleanup();
  });

  it('never double-sends an attempt, and delivers everything', async () => {
    // A flaky subscriber: one answer in four is a 503, answers take 0–15 ms.
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    subscriber.respond = () => ({ status: random() < 0.25 ? 503 : 200, delayMs: Math.floor(random() * 15) });

    const now = Date.now();
    for (let index = 0; index < HOOKS; index++) {
      await storage.createHook({
        id: newId('hook'),
        owner: 'tests',
        targetUrl: `${subscriber.url}/hook-${index}`,
        event: 'avatar_video.status_changed',
        secret: 'whsec_dGVzdHNlY3JldHRlc3RzZWNyZXR0ZXN0c2VjcmV0MTI=',
        createdAt: now,
      });
    }
    const env = testEnv({
      ...handle.env,
      DELIVERY_CONCURRENCY: '12',
      DELIVERY_POLL_INTERVAL: '20ms',
      DELIVERY_INITIAL_BACKOFF: '50ms',
      DELIVERY_MAX_BACKOFF: '200ms',
      RECONCILE_INTERVAL: '10s',
      LOG_LEVEL: 'warn',
    });
    // "listening" is logged at info: keep info for start-up detection.
    replicas.push(await spawnAdapter({ ...env, LOG_LEVEL: 'info', REPLICA_ID: 'replica-a' }));
    replicas.push(await spawnAdapter({ ...env, LOG_LEVEL: 'info', REPLICA_ID: 'replica-b' }));

    // Queue the work while both replicas are already polling, so they compete for it.
    for (let index = 0; index < VIDEOS; index++) {
      const at = Date.now();
      const video = testVideo({ clientReference: String(index), createdAt: at });
      await storage.insertVideo(video);
      await storage.applyTaskUpdate(
        video.id,
        { status: 'submitted', klingStatus: 'submitted', klingTaskId: String(900000 + index) },
        { now: at, nextPollAt: null },
        renderEventPayload,
      );
    }

    const total = VIDEOS * HOOKS;
    await waitUntil(async () => (await storage.countDeliveries()).succeeded === total, 60_000, 100);

    // Every (delivery, attempt) pair reached the subscriber at most once…
    const key = (delivery: ReceivedDelivery) =>
      `${delivery.headers['x-kling-adapter-delivery']}#${delivery.headers['x-kling-adapter-attempt']}`;
    const seen = new Map<string, number>();
    for (const delivery of subscriber.received) seen.set(key(delivery), (seen.get(key(delivery)) ?? 0) + 1);
    const doubled = [...seen.entries()].filter(([, count]) => count > 1);
    expect(doubled).toEqual([]);
    // …every delivery arrived, with its event id as webhook-id on every attempt…
    const deliveries = new Map<string, Set<string>>();
    for (const delivery of subscriber.received) {
      const id = delivery.headers['x-kling-adapter-delivery'] as string;
      const eventIds = deliveries.get(id) ?? new Set();
      eventIds.add(delivery.headers['webhook-id'] as string);
      eventIds.add(JSON.parse(delivery.body).id);
      deliveries.set(id, eventIds);
    }
    expect(deliveries.size).toBe(total);
    for (const eventIds of deliveries.values()) expect(eventIds.size).toBe(1);
    // …there were retries (the subscriber is flaky), and both replicas did part of the work.
    expect(subscriber.received.length).toBeGreaterThan(total);
    const client = new pg.Client({
      connectionString: PG_URL,
      options: `-c search_path=${handle.env.DATABASE_SCHEMA}`,
    });
    await client.connect();
    const byReplica = await client.query(
      'SELECT replica, COUNT(*)::int AS attempts FROM delivery_attempts GROUP BY replica',
    );
    await client.end();
    const attempts = Object.fromEntries(byReplica.rows.map((row) => [row.replica, row.attempts]));
    expect(attempts['replica-a']).toBeGreaterThan(0);
    expect(attempts['replica-b']).toBeGreaterThan(0);
    expect(attempts['replica-a'] + attempts['replica-b']).toBe(subscriber.received.length);
  });
});
