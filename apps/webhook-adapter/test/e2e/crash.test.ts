/**
 * Crash durability: the adapter runs as a child process against the sandbox; while its subscriber
 * hangs (deliveries claimed and in flight, others waiting to retry) it is killed with SIGKILL. A new
 * process on the same database must deliver every event at least once, each with its original event id
 * and a valid signature — and it then shuts down gracefully on SIGTERM.
 */
import { verifyWebhook } from '@kling-avatar/core';
import { type Sandbox, startSandbox } from '@kling-avatar/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, type BackendHandle, backend } from '../backends.js';
import {
  API_KEY,
  makePng,
  makeWav,
  PNG_BASE64,
  type Subscriber,
  startSubscriber,
  testEnv,
  WAV_BASE64,
  waitUntil,
} from '../helpers.js';
import { type AdapterProcess, freePort, spawnAdapter } from '../process.js';

const auth = { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' };

describe.each(BACKENDS)('kill -9 with deliveries pending, on %s', (backendName) => {
  let sandbox: Sandbox;
  let subscriber: Subscriber;
  let handle: BackendHandle;
  const processes: AdapterProcess[] = [];

  beforeAll(async () => {
    sandbox = await startSandbox({ timings: { submittedMs: 100, processingMs: 200 }, concurrency: 20 });
    subscriber = await startSubscriber();
    handle = await backend(backendName, 'crash');
  });
  afterAll(async () => {
    for (const child of processes) await child.kill('SIGKILL');
    await subscriber?.close();
    await sandbox?.stop();
    await handle?.cleanup();
  });

  it('every event arrives at least once with the same event id after a restart', async () => {
    const port = await freePort();
    const env = testEnv({
      ...handle.env,
      KLING_BASE_URL: sandbox.url,
      KLING_API_KEY: sandbox.credentials.apiKey,
      PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
      DELIVERY_TIMEOUT: '2s',
      DELIVERY_LEASE: '2500ms',
      DELIVERY_INITIAL_BACKOFF: '200ms',
      DELIVERY_MAX_BACKOFF: '500ms',
      LOG_LEVEL: 'info',
    });
    // Phase 1: the subscriber accepts connections but never answers.
    let acknowledging = false;
    subscriber.respond = () => (acknowledging ? 200 : { status: 200, delayMs: 60_000 });

    const first = await spawnAdapter(env, { port });
    processes.push(first);
    const hookResponse = await fetch(`${first.url}/v1/hooks`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ target_url: `${subscriber.url}/crash`, event: 'any' }),
    });
    const hook = await hookResponse.json();
    expect(hookResponse.status).toBe(201);
    for (const [index, [image, audio]] of [
      [PNG_BASE64, WAV_BASE64],
      [makePng(320, 640).toString('base64'), makeWav(2.1).toString('base64')],
      [makePng(640, 320).toString('base64'), makeWav(3).toString('base64')],
    ].entries()) {
      const created = await fetch(`${first.url}/v1/avatar-videos`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({
          image_base64: image,
          audio_base64: audio,
          client_reference: `crash-${index}`,
        }),
      });
      expect(created.status).toBe(201);
    }
    // Wait until every video rendered; none of their events has been acknowledged yet.
    let eventIds: string[] = [];
    await waitUntil(
      async () => {
        const events = await (await fetch(`${first.url}/v1/events?limit=100`, { headers: auth })).json();
        eventIds = events.data.map((event: { id: string }) => event.id);
        return (
          events.data.filter((event: { type: string }) => event.type === 'avatar_video.succeeded').length ===
          3
        );
      },
      60_000,
      100,
    );
    // submitted + succeeded for each video, processing too unless a GET already saw the next status.
    expect(eventIds.length).toBeGreaterThanOrEqual(6);
    await waitUntil(() => subscriber.received.length > 0, 10_000);

    await first.kill('SIGKILL');
    const beforeRestart = subscriber.received.length;

    // Phase 2: the subscriber is back; a new process takes over the same database and port.
    acknowledging = true;
    const second = await spawnAdapter(env, { port });
    processes.push(second);
    const acknowledged = () =>
      new Set(
        subscriber.received.slice(beforeRestart).map((delivery) => delivery.headers['webhook-id'] as string),
      );
    await waitUntil(() => eventIds.every((id) => acknowledged().has(id)), 60_000, 100);

    for (const delivery of subscriber.received) {
      const { id } = verifyWebhook({
        secret: hook.secret,
        headers: delivery.headers as Record<string, string>,
        body: delivery.body,
        nowSeconds: Math.floor(Date.now() / 1000),
      });
      expect(JSON.parse(delivery.body).id).toBe(id);
      expect(eventIds).toContain(id);
    }
    const deliveries = await (await fetch(`${second.url}/v1/deliveries?limit=100`, { headers: auth })).json();
    expect(deliveries.data).toHaveLength(eventIds.length);
    expect(deliveries.data.every((delivery: { status: string }) => delivery.status === 'succeeded')).toBe(
      true,
    );

    // Graceful shutdown: SIGTERM drains and exits 0.
    expect(await second.kill('SIGTERM')).toBe(0);
  });
});
