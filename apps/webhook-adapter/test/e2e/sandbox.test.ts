/**
 * End to end against the local Kling sandbox (real renders): create → render → Kling callback →
 * signed delivery to a local subscriber, on SQLite and on PostgreSQL, with unsigned callbacks
 * (token + GET) and with Standard Webhooks-signed callbacks; the reconciler when callbacks never
 * arrive; idempotency keys; every input form (base64, multipart file, URL, text to speech).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateWebhookSecret, verifyWebhook } from '@kling-avatar/core';
import { type Sandbox, startSandbox } from '@kling-avatar/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Adapter, createAdapter } from '../../src/app.js';
import { BACKENDS, type BackendHandle, backend } from '../backends.js';
import {
  API_KEY,
  makePng,
  makeWav,
  PNG_BASE64,
  type Subscriber,
  startSubscriber,
  testConfig,
  WAV_BASE64,
} from '../helpers.js';
import { freePort } from '../process.js';

const auth = { authorization: `Bearer ${API_KEY}` };

describe.each(BACKENDS)('end to end against the sandbox on %s', (backendName) => {
  const signed = backendName === 'postgres';
  const callbackSecret = generateWebhookSecret();
  let sandbox: Sandbox;
  let subscriber: Subscriber;
  let mediaServer: Server;
  let mediaUrl: string;
  const handles: BackendHandle[] = [];
  const adapters: Adapter[] = [];

  beforeAll(async () => {
    sandbox = await startSandbox({
      timings: { submittedMs: 150, processingMs: 300 },
      concurrency: 20,
      ...(signed ? { callbackSecret } : {}),
    });
    subscriber = await startSubscriber();
    // A file host for the URL input form (allow-listed as localhost).
    const png = makePng(360, 480);
    const wav = makeWav(2.2);
    mediaServer = createServer((request, response) => {
      const body = request.url === '/portrait' ? png : request.url === '/speech' ? wav : undefined;
      response.writeHead(body ? 200 : 404, { 'content-type': 'application/octet-stream' });
      response.end(body);
    });
    await new Promise<void>((resolve) => mediaServer.listen(0, '127.0.0.1', resolve));
    mediaUrl = `http://localhost:${(mediaServer.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    for (const adapter of adapters) await adapter.close();
    await subscriber?.close();
    await sandbox?.stop();
    await new Promise<void>((resolve) => mediaServer?.close(() => resolve()));
    for (const handle of handles) await handle.cleanup();
  });

  async function startAdapter(env: Record<string, string> = {}): Promise<{ adapter: Adapter; url: string }> {
    const handle = await backend(backendName, 'e2e');
    handles.push(handle);
    const port = await freePort();
    const config = testConfig({
      ...handle.env,
      HOST: '127.0.0.1',
      PORT: String(port),
      PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
      KLING_BASE_URL: sandbox.url,
      KLING_API_KEY: sandbox.credentials.apiKey,
      ...(signed ? { KLING_WEBHOOK_SECRET: callbackSecret } : {}),
      ...env,
    });
    const adapter = await createAdapter(config, { storage: await handle.open() });
    adapters.push(adapter);
    await adapter.start();
    return { adapter, url: `http://127.0.0.1:${port}` };
  }

  async function api(base: string, path: string, init: RequestInit = {}) {
    const response = await fetch(`${base}${path}`, {
      ...init,
      headers: {
        ...auth,
        ...(init.body && typeof init.body === 'string' ? { 'content-type': 'application/json' } : {}),
        ...init.headers,
      },
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, json: text ? JSON.parse(text) : undefined };
  }

  it(`create → render → ${signed ? 'signed' : 'unsigned'} callback → signed delivery, for every input form`, async () => {
    const { url } = await startAdapter();
    subscriber.received.length = 0;
    subscriber.respond = () => 200;
    const hook = await api(url, '/v1/hooks', {
      method: 'POST',
      body: JSON.stringify({
        target_url: `${subscriber.url}/${backendName}`,
        event: 'avatar_video.succeeded',
      }),
    });
    expect(hook.status).toBe(201);

    const form = new FormData();
    form.set('image', new Blob([new Uint8Array(makePng())]), 'portrait.png');
    form.set('audio', new Blob([new Uint8Array(makeWav(2.4))]), 'speech.wav');
    form.set('mode', 'std');
    form.set('watermark', 'true');
    form.set('client_reference', 'multipart');
    const requests: [string, RequestInit][] = [
      [
        'base64',
        {
          method: 'POST',
          body: JSON.stringify({
            image_base64: PNG_BASE64,
            audio_base64: WAV_BASE64,
            client_reference: 'base64',
            prompt: 'nod gently',
          }),
        },
      ],
      ['multipart', { method: 'POST', body: form }],
      [
        'url',
        {
          method: 'POST',
          body: JSON.stringify({
            image_url: `${mediaUrl}/portrait`,
            audio_url: `${mediaUrl}/speech`,
            client_reference: 'url',
          }),
        },
      ],
      [
        'tts',
        {
          method: 'POST',
          body: JSON.stringify({
            image_base64: PNG_BASE64,
            tts_text: 'Hello from the sandbox, this sentence is long enough.',
            tts_voice_id: 'oversea_male1',
            tts_language: 'en',
            client_reference: 'tts',
          }),
        },
      ],
    ];
    const created = new Map<string, { id: string; started: number }>();
    for (const [label, init] of requests) {
      const started = Date.now();
      const response = await api(url, '/v1/avatar-videos', init);
      expect(response.status, `${label}: ${JSON.stringify(response.json)}`).toBe(201);
      // Answers at once with the record; the render happens later.
      expect(Date.now() - started).toBeLessThan(5000);
      expect(response.json.status).toBe('submitted');
      created.set(label, { id: response.json.id, started });
    }

    await subscriber.waitFor((received) => received.length >= requests.length, 60_000);
    for (const delivery of subscriber.received) {
      const verified = verifyWebhook({
        secret: hook.json.secret,
        headers: delivery.headers as Record<string, string>,
        body: delivery.body,
        nowSeconds: Math.floor(Date.now() / 1000),
      });
      const event = JSON.parse(delivery.body);
      expect(event.id).toBe(verified.id);
      expect(event.type).toBe('avatar_video.succeeded');
      expect(event.data.status).toBe('succeeded');
      expect(Number(event.data.units_charged)).toBeGreaterThan(0);
    }
    const byReference = new Map(
      subscriber.received.map((delivery) => {
        const event = JSON.parse(delivery.body);
        return [event.data.client_reference, event.data];
      }),
    );
    expect([...byReference.keys()].sort()).toEqual(['base64', 'multipart', 'tts', 'url']);
    expect(byReference.get('multipart').watermark_video_url).toBeTruthy();
    expect(byReference.get('tts').audio_source).toBe('tts');

    // The result is a real MP4 rendered by the sandbox.
    const video = await fetch(byReference.get('base64').video_url);
    const bytes = new Uint8Array(await video.arrayBuffer());
    expect(Buffer.from(bytes.subarray(4, 8)).toString('latin1')).toBe('ftyp');

    // The record agrees, and the event list has the whole history for Zapier's performList.
    const record = await api(url, `/v1/avatar-videos/${created.get('base64')!.id}`);
    expect(record.json).toMatchObject({ status: 'succeeded', kling_status: 'succeed' });
    const events = await api(url, `/v1/events?type=avatar_video.succeeded&limit=10`);
    expect(events.json.data).toHaveLength(4);
    expect(sandbox.stats().creates).toBeGreaterThanOrEqual(4);
  });

  it('Idempotency-Key: a repeat returns the same record and never creates a second Kling task', async () => {
    const { url } = await startAdapter();
    const before = sandbox.stats().creates;
    const body = JSON.stringify({
      image_base64: PNG_BASE64,
      audio_base64: WAV_BASE64,
      client_reference: 'idem',
    });
    const first = await api(url, '/v1/avatar-videos', {
      method: 'POST',
      body,
      headers: { 'idempotency-key': `idem-${backendName}` },
    });
    const second = await api(url, '/v1/avatar-videos', {
      method: 'POST',
      body,
      headers: { 'idempotency-key': `idem-${backendName}` },
    });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.json.id).toBe(first.json.id);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(sandbox.stats().creates).toBe(before + 1);
  });

  it('preflights with core: a bad image is refused before any paid call', async () => {
    const { url } = await startAdapter();
    const before = sandbox.stats().createRequests;
    const tiny = makePng(120, 120).toString('base64');
    const response = await api(url, '/v1/avatar-videos', {
      method: 'POST',
      body: JSON.stringify({ image_base64: tiny, audio_base64: WAV_BASE64 }),
    });
    expect(response.status).toBe(422);
    expect(response.json.error.problems[0]).toMatchObject({ field: 'image_base64', code: 'image_too_small' });
    expect(sandbox.stats().createRequests).toBe(before);
  });

  it('the reconciler finishes tasks whose callbacks never arrive', async () => {
    // Kling is told to call back a port where nothing listens.
    const { url } = await startAdapter({
      PUBLIC_BASE_URL: `http://127.0.0.1:${await freePort()}`,
      RECONCILE_AFTER: '300ms',
      RECONCILE_EVERY: '200ms',
    });
    subscriber.received.length = 0;
    await api(url, '/v1/hooks', {
      method: 'POST',
      body: JSON.stringify({ target_url: `${subscriber.url}/reconciled`, event: 'succeeded' }),
    });
    const created = await api(url, '/v1/avatar-videos', {
      method: 'POST',
      body: JSON.stringify({ image_base64: PNG_BASE64, audio_base64: WAV_BASE64 }),
    });
    expect(created.status).toBe(201);
    await subscriber.waitFor(
      (received) => received.some((delivery) => delivery.path === '/reconciled'),
      60_000,
    );
    const record = await api(url, `/v1/avatar-videos/${created.json.id}`);
    expect(record.json.status).toBe('succeeded');
    expect(record.json.video_url).toMatch(/^http:\/\/127\.0\.0\.1:/);
  });

  it('a failed render is delivered as avatar_video.failed with Kling’s reason', async () => {
    const { url } = await startAdapter();
    subscriber.received.length = 0;
    await api(url, '/v1/hooks', {
      method: 'POST',
      body: JSON.stringify({ target_url: `${subscriber.url}/failed`, event: 'failed' }),
    });
    sandbox.setFaults({ failTask: 'content risk control: test' });
    try {
      const created = await api(url, '/v1/avatar-videos', {
        method: 'POST',
        body: JSON.stringify({ image_base64: PNG_BASE64, audio_base64: WAV_BASE64 }),
      });
      expect(created.status).toBe(201);
    } finally {
      sandbox.setFaults({});
    }
    await subscriber.waitFor((received) => received.some((delivery) => delivery.path === '/failed'), 30_000);
    const event = JSON.parse(subscriber.received.find((delivery) => delivery.path === '/failed')!.body);
    expect(event).toMatchObject({
      type: 'avatar_video.failed',
      data: { status: 'failed', error: { message: 'content risk control: test' } },
    });
  });
});
