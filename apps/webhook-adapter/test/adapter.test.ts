/**
 * The adapter in-process on both backends, with a fake Kling gateway: the whole flow from create to a
 * signed delivery, idempotency keys, REST hooks, unsigned/signed callbacks, 410, dead letters and
 * replay, the reconciler and the outbox claims.
 */
import { generateWebhookSecret, signWebhook, verifyWebhook } from '@kling-avatar/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Adapter } from '../src/app.js';
import { BACKENDS, type BackendHandle, backend, inProcessAdapter } from './backends.js';
import {
  API_KEY,
  type FakeKling,
  fakeKling,
  OTHER_API_KEY,
  PNG_BASE64,
  type Subscriber,
  startSubscriber,
  WAV_BASE64,
  waitUntil,
} from './helpers.js';

const auth = { authorization: `Bearer ${API_KEY}` };

describe.each(BACKENDS)('adapter on %s', (backendName) => {
  let handle: BackendHandle;
  let adapter: Adapter;
  let kling: FakeKling;
  let subscriber: Subscriber;

  const handles: BackendHandle[] = [];
  beforeAll(async () => {
    subscriber = await startSubscriber();
  });
  afterAll(async () => {
    await subscriber.close();
    for (const entry of handles) await entry.cleanup();
  });

  /** A new adapter on an empty database (own SQLite file or PostgreSQL schema) for each test. */
  async function fresh(env: Record<string, string | undefined> = {}) {
    handle = await backend(backendName, 'flow');
    handles.push(handle);
    kling = fakeKling();
    ({ adapter } = await inProcessAdapter(handle, { kling, env }));
    adapter.startWorkers();
    subscriber.received.length = 0;
    subscriber.respond = () => 200;
  }
  afterEach(async () => {
    await adapter?.close();
  });

  async function createVideo(extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
    return adapter.app.inject({
      method: 'POST',
      url: '/v1/avatar-videos',
      headers: { ...auth, ...headers },
      payload: { image_base64: PNG_BASE64, audio_base64: WAV_BASE64, prompt: 'smile', ...extra },
    });
  }

  async function subscribe(event = 'avatar_video.succeeded', key = API_KEY) {
    const response = await adapter.app.inject({
      method: 'POST',
      url: '/v1/hooks',
      headers: { authorization: `Bearer ${key}` },
      payload: { target_url: `${subscriber.url}/hook`, event },
    });
    expect(response.statusCode).toBe(201);
    return response.json() as { id: string; secret: string };
  }

  function callbackUrlOf(videoId: string): string {
    const create = kling.creates.find((request) => request.external_task_id === videoId);
    return new URL(create!.callback_url!).pathname;
  }

  it('creates, follows an unsigned callback by reading Kling, and delivers a signed event', async () => {
    await fresh();
    const hook = await subscribe();
    const created = await createVideo({ client_reference: 'row-42', mode: 'pro', watermark: 'true' });
    expect(created.statusCode).toBe(201);
    const video = created.json();
    expect(video).toMatchObject({
      status: 'submitted',
      client_reference: 'row-42',
      mode: 'pro',
      watermark: true,
    });
    expect(kling.creates[0]).toMatchObject({
      external_task_id: video.id,
      mode: 'pro',
      watermark_info: { enabled: true },
    });
    expect(kling.creates[0]!.callback_url).toMatch(
      /^http:\/\/127\.0\.0\.1:1\/v1\/kling\/callbacks\/vid_[0-9A-Z]{26}\/[\w-]{43}$/,
    );

    // The body claims success, but unsigned bodies are only hints: Kling still says processing.
    kling.advance(video.kling_task_id, 'processing');
    const forged = await adapter.app.inject({
      method: 'POST',
      url: callbackUrlOf(video.id),
      payload: {
        task_id: video.kling_task_id,
        task_status: 'succeed',
        task_result: { videos: [{ id: 'x', url: 'https://evil/x.mp4', duration: '9' }] },
      },
    });
    expect(forged.statusCode).toBe(200);
    await adapter.sync.idle();
    const afterForged = (
      await adapter.app.inject({ url: `/v1/avatar-videos/${video.id}`, headers: auth })
    ).json();
    expect(afterForged.status).toBe('processing');
    expect(afterForged.video_url).toBeNull();

    kling.advance(video.kling_task_id, 'succeed');
    await adapter.app.inject({
      method: 'POST',
      url: callbackUrlOf(video.id),
      payload: { task_id: video.kling_task_id, task_status: 'succeed' },
    });
    await adapter.sync.idle();
    await subscriber.waitFor((received) => received.length >= 1);
    const delivery = subscriber.received[0]!;
    const verified = verifyWebhook({
      secret: hook.secret,
      headers: delivery.headers as Record<string, string>,
      body: delivery.body,
      nowSeconds: Math.floor(Date.now() / 1000),
    });
    const event = JSON.parse(delivery.body);
    expect(verified.id).toBe(event.id);
    expect(event).toMatchObject({
      type: 'avatar_video.succeeded',
      data: { id: video.id, status: 'succeeded', client_reference: 'row-42' },
    });
    expect(event.data.video_url).toMatch(/^https:\/\/cdn\.example\//);

    // Only the succeeded event went to this hook; the event list holds all of them, newest first.
    const events = (await adapter.app.inject({ url: '/v1/events', headers: auth })).json();
    expect(events.data.map((entry: { type: string }) => entry.type)).toEqual([
      'avatar_video.succeeded',
      'avatar_video.processing',
      'avatar_video.submitted',
    ]);
    expect(subscriber.received).toHaveLength(1);
  });

  it('honours Idempotency-Key: same record, one Kling task; other fields → 422', async () => {
    await fresh();
    const first = await createVideo({}, { 'idempotency-key': 'zap-123' });
    const second = await createVideo({}, { 'idempotency-key': 'zap-123' });
    expect(first.statusCode).toBe(201);
    expect(second.statusCode).toBe(201);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.json().id).toBe(first.json().id);
    expect(kling.creates).toHaveLength(1);
    const different = await createVideo({ prompt: 'other' }, { 'idempotency-key': 'zap-123' });
    expect(different.statusCode).toBe(422);
    expect(different.json().error.code).toBe('idempotency_key_reused');
    // Keys are per API key.
    const otherOwner = await createVideo(
      {},
      { 'idempotency-key': 'zap-123', authorization: `Bearer ${OTHER_API_KEY}` },
    );
    expect(otherOwner.json().id).not.toBe(first.json().id);
    // Concurrent repeats still make one task.
    const burst = await Promise.all(
      Array.from({ length: 5 }, () => createVideo({}, { 'idempotency-key': 'burst' })),
    );
    const ids = new Set(
      burst.filter((response) => response.statusCode === 201).map((response) => response.json().id),
    );
    expect(ids.size).toBe(1);
    expect(burst.every((response) => [201, 409].includes(response.statusCode))).toBe(true);
    expect(kling.creates).toHaveLength(3);
  });

  it('keeps a refused create answer for its key and frees the key after a transient failure', async () => {
    await fresh();
    const { KlingApiError } = await import('@kling-avatar/core');
    kling.failNextCreate = new KlingApiError({
      statusCode: 429,
      code: 1303,
      apiMessage: 'parallel task over resource pack limit',
    });
    const busy = await createVideo({}, { 'idempotency-key': 'k1' });
    expect(busy.statusCode).toBe(429);
    expect(busy.headers['retry-after']).toBeDefined();
    const retried = await createVideo({}, { 'idempotency-key': 'k1' });
    expect(retried.statusCode).toBe(201);

    kling.failNextCreate = new KlingApiError({ statusCode: 400, code: 1301, apiMessage: 'content risk' });
    const refused = await createVideo({ prompt: 'x' }, { 'idempotency-key': 'k2' });
    expect(refused.statusCode).toBe(422);
    const replay = await createVideo({ prompt: 'x' }, { 'idempotency-key': 'k2' });
    expect(replay.statusCode).toBe(422);
    expect(replay.json()).toEqual(refused.json());
    expect(kling.creates).toHaveLength(1);
    const list = (await adapter.app.inject({ url: '/v1/avatar-videos', headers: auth })).json();
    expect(list.data).toHaveLength(1);
  });

  it('lists newest first with status filter and cursor; owners are isolated', async () => {
    await fresh();
    const ids: string[] = [];
    for (let index = 0; index < 5; index++)
      ids.push((await createVideo({ client_reference: String(index) })).json().id);
    const task = kling.creates.find((request) => request.external_task_id === ids[2])!;
    const taskId = [...kling.tasks.values()].find(
      (record) => record.task_info?.external_task_id === task.external_task_id,
    )!.task_id;
    kling.advance(taskId, 'failed', { task_status_msg: 'risk control' });
    await adapter.app.inject({
      method: 'POST',
      url: callbackUrlOf(ids[2]!),
      payload: { task_id: taskId, task_status: 'failed' },
    });
    await adapter.sync.idle();

    const page1 = (await adapter.app.inject({ url: '/v1/avatar-videos?limit=2', headers: auth })).json();
    expect(page1.data.map((video: { id: string }) => video.id)).toEqual([ids[4], ids[3]]);
    expect(page1.has_more).toBe(true);
    const page2 = (
      await adapter.app.inject({
        url: `/v1/avatar-videos?limit=10&starting_after=${page1.next_cursor}`,
        headers: auth,
      })
    ).json();
    expect(page2.data.map((video: { id: string }) => video.id)).toEqual([ids[2], ids[1], ids[0]]);
    const failed = (
      await adapter.app.inject({ url: '/v1/avatar-videos?status=failed', headers: auth })
    ).json();
    expect(failed.data).toHaveLength(1);
    expect(failed.data[0].error.message).toBe('risk control');
    const other = await adapter.app.inject({
      url: `/v1/avatar-videos/${ids[0]}`,
      headers: { 'x-api-key': OTHER_API_KEY },
    });
    expect(other.statusCode).toBe(404);
    const viaQuery = await adapter.app.inject({ url: `/v1/avatar-videos/${ids[0]}?api_key=${API_KEY}` });
    expect(viaQuery.statusCode).toBe(200);
  });

  it('REST hooks: subscribe (Zapier `url` form), list, delete; refuses non-public targets', async () => {
    await fresh({ OUTBOUND_ALLOWLIST: '' });
    const refused = await adapter.app.inject({
      method: 'POST',
      url: '/v1/hooks',
      headers: auth,
      payload: { url: 'http://127.0.0.1:9/hook', event: 'any' },
    });
    expect(refused.statusCode).toBe(422);
    const created = await adapter.app.inject({
      method: 'POST',
      url: '/v1/hooks',
      headers: auth,
      payload: { url: 'https://93.184.215.14/zapier/hook', event: 'any' },
    });
    expect(created.statusCode).toBe(201);
    const hook = created.json();
    expect(hook).toMatchObject({
      event: 'avatar_video.status_changed',
      target_url: 'https://93.184.215.14/zapier/hook',
    });
    expect(hook.secret).toMatch(/^whsec_/);
    const list = (await adapter.app.inject({ url: '/v1/hooks', headers: auth })).json();
    expect(list.data.map((entry: { id: string }) => entry.id)).toEqual([hook.id]);
    expect(list.data[0].secret).toBeUndefined();
    expect(
      (await adapter.app.inject({ method: 'DELETE', url: `/v1/hooks/${hook.id}`, headers: auth })).statusCode,
    ).toBe(200);
    expect(
      (await adapter.app.inject({ method: 'DELETE', url: `/v1/hooks/${hook.id}`, headers: auth })).statusCode,
    ).toBe(404);
  });

  it('retries a failing subscriber with backoff, keeps the event id, and delivers once it is back', async () => {
    await fresh();
    await subscribe('avatar_video.status_changed');
    let down = true;
    subscriber.respond = () => (down ? 503 : 200);
    const video = (await createVideo()).json();
    await subscriber.waitFor((received) => received.length >= 3);
    down = false;
    await subscriber.waitFor((received) => received.some((_, index) => index >= 3));
    await waitUntil(async () => (await adapter.storage.countDeliveries()).succeeded === 1);
    const ids = new Set(subscriber.received.map((delivery) => delivery.headers['webhook-id']));
    expect(ids.size).toBe(1);
    const times = subscriber.received.map((delivery) => delivery.at);
    expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(40); // backoff, not a hot loop
    const event = JSON.parse(subscriber.received.at(-1)!.body);
    expect(event).toMatchObject({ type: 'avatar_video.submitted', data: { id: video.id } });
  });

  it('housekeeping deletes finished deliveries and their events after the retention period', async () => {
    await fresh();
    await subscribe('avatar_video.status_changed');
    await createVideo();
    await waitUntil(async () => (await adapter.storage.countDeliveries()).succeeded === 1);
    const later = Date.now() + 1000;
    await adapter.storage.purgeExpired(later, later);
    expect(await adapter.storage.countDeliveries()).toMatchObject({ succeeded: 0, pending: 0 });
    expect(await adapter.storage.listEvents('tests', { limit: 10 })).toHaveLength(0);
    // Videos themselves stay.
    expect((await adapter.storage.listVideos('tests', { limit: 10 })).length).toBe(1);
  });

  it('410 Gone removes the hook', async () => {
    await fresh();
    const hook = await subscribe('avatar_video.status_changed');
    subscriber.respond = () => 410;
    await createVideo();
    await waitUntil(async () => (await adapter.storage.listHooks('tests')).length === 0);
    expect(subscriber.received).toHaveLength(1);
    const deliveries = (await adapter.app.inject({ url: '/v1/deliveries', headers: auth })).json();
    expect(deliveries.data[0]).toMatchObject({
      hook_id: hook.id,
      status: 'cancelled',
      last_status_code: 410,
    });
  });

  it('dead-letters after the retry window and replays on request', async () => {
    await fresh({ DELIVERY_RETRY_WINDOW: '400ms' });
    await subscribe('avatar_video.status_changed');
    subscriber.respond = () => 500;
    await createVideo();
    await waitUntil(async () => (await adapter.storage.countDeliveries()).dead === 1, 10_000);
    const dead = (await adapter.app.inject({ url: '/v1/dead-letters', headers: auth })).json();
    expect(dead.data).toHaveLength(1);
    expect(dead.data[0]).toMatchObject({ status: 'dead', last_status_code: 500 });
    const attemptsBefore = subscriber.received.length;
    subscriber.respond = () => 204;
    const replay = await adapter.app.inject({
      method: 'POST',
      url: `/v1/deliveries/${dead.data[0].id}/replay`,
      headers: auth,
    });
    expect(replay.statusCode).toBe(202);
    await waitUntil(async () => (await adapter.storage.countDeliveries()).succeeded === 1);
    expect(subscriber.received.length).toBe(attemptsBefore + 1);
    const again = await adapter.app.inject({
      method: 'POST',
      url: `/v1/deliveries/${dead.data[0].id}/replay`,
      headers: auth,
    });
    expect(again.statusCode).toBe(409);
  });

  it('reconciles tasks whose callbacks never come', async () => {
    await fresh({ RECONCILE_AFTER: '150ms', RECONCILE_EVERY: '100ms' });
    await subscribe('avatar_video.succeeded');
    const video = (await createVideo()).json();
    kling.advance(video.kling_task_id, 'succeed');
    await subscriber.waitFor((received) => received.length === 1, 10_000);
    const current = (
      await adapter.app.inject({ url: `/v1/avatar-videos/${video.id}`, headers: auth })
    ).json();
    expect(current.status).toBe('succeeded');
  });

  it('verifies signed callbacks: applies good ones once, refuses forged, stale and replayed ones', async () => {
    const secret = generateWebhookSecret();
    await fresh({ KLING_WEBHOOK_SECRET: secret });
    const video = (await createVideo()).json();
    const record = kling.advance(video.kling_task_id, 'processing');
    const body = JSON.stringify(record);
    const now = Math.floor(Date.now() / 1000);
    const send = (headers: Record<string, string>, payload = body) =>
      adapter.app.inject({
        method: 'POST',
        url: callbackUrlOf(video.id),
        headers: { 'content-type': 'application/json', ...headers },
        payload,
      });
    const sign = (id: string, timestamp: number, payload = body, key = secret) => ({
      'webhook-id': id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signWebhook({ secret: key, id, timestampSeconds: timestamp, body: payload }),
    });

    expect((await send({})).statusCode).toBe(401);
    expect((await send(sign('m1', now, body, generateWebhookSecret()))).statusCode).toBe(401);
    expect((await send(sign('m1', now - 3600))).json().error.reason).toBe('timestamp_too_old');
    const tampered = body.replace('processing', 'succeed');
    expect((await send(sign('m1', now), tampered)).statusCode).toBe(401);
    const good = await send(sign('m1', now));
    expect(good.statusCode).toBe(200);
    expect(good.json()).toEqual({ received: true, duplicate: false });
    const replayed = await send(sign('m1', now));
    expect(replayed.json()).toEqual({ received: true, duplicate: true });
    // A wrong token is refused before the signature is even looked at.
    const wrongToken = await adapter.app.inject({
      method: 'POST',
      url: `/v1/kling/callbacks/${video.id}/${'A'.repeat(43)}`,
      headers: sign('m2', now),
      payload: body,
    });
    expect(wrongToken.statusCode).toBe(404);
    const events = (await adapter.app.inject({ url: '/v1/events', headers: auth })).json();
    expect(events.data.map((event: { type: string }) => event.type)).toEqual([
      'avatar_video.processing',
      'avatar_video.submitted',
    ]);
  });

  it('resolves a create interrupted mid-call: adopts the Kling task or fails it with nothing charged', async () => {
    await fresh({ CREATE_TIMEOUT: '100ms' });
    const now = Date.now();
    const base = {
      owner: 'tests',
      klingTaskId: null,
      klingStatus: null,
      callbackTokenHash: 'x'.repeat(64),
      clientReference: null,
      mode: 'std' as const,
      prompt: null,
      watermark: false,
      audioSource: 'base64' as const,
      videoUrl: null,
      watermarkVideoUrl: null,
      durationSeconds: null,
      unitsCharged: null,
      errorMessage: null,
      createdAt: now - 1000,
      updatedAt: now - 1000,
      completedAt: null,
      lastCallbackAt: null,
      nextPollAt: now - 1,
      status: 'creating' as const,
    };
    // Kling got the first create (the process died before recording it); it never got the second.
    await kling.createTask({
      image: 'x',
      sound_file: 'y',
      external_task_id: 'vid_00000000000000000000000001',
    });
    await adapter.storage.insertVideo({ ...base, id: 'vid_00000000000000000000000001' });
    await adapter.storage.insertVideo({ ...base, id: 'vid_00000000000000000000000002' });
    // The running reconciler (every 100 ms) resolves both.
    await waitUntil(async () => {
      const videos = await adapter.storage.listVideos('tests', { limit: 10 });
      return videos.every((video) => video.status !== 'creating');
    }, 10_000);
    const adopted = await adapter.storage.getVideoById('vid_00000000000000000000000001');
    const abandoned = await adapter.storage.getVideoById('vid_00000000000000000000000002');
    expect(adopted).toMatchObject({ status: 'submitted' });
    expect(adopted!.klingTaskId).toBeTruthy();
    expect(abandoned).toMatchObject({ status: 'failed' });
    expect(abandoned!.errorMessage).toMatch(/nothing was charged/);
  });
});
