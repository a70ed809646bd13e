/** Callbacks received by a real local HTTP server, verified with core's Standard Webhooks verifier. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createKlingAvatarClient, generateWebhookSecret, receiveCallback } from '@kling-avatar/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../src/server/sandbox.js';
import { makeTestMedia, type TestMedia } from '../helpers.js';

interface Received {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

let media: TestMedia;
let receiver: Server;
let receiverUrl = '';
const received: Received[] = [];
/** Per path: the HTTP statuses to answer, in order (then 200). */
const scripts = new Map<string, number[]>();

beforeAll(async () => {
  media = makeTestMedia();
  receiver = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      received.push({ path: request.url!, headers: request.headers, body });
      const script = scripts.get(request.url!) ?? [];
      response.statusCode = script.shift() ?? 200;
      response.end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});
afterAll(() => receiver.close());

async function run(sandbox: Sandbox, hookPath: string) {
  const kling = createKlingAvatarClient({ baseURL: sandbox.url, apiKey: sandbox.credentials.apiKey });
  const task = await kling.createAndWait(
    {
      image: media.portraitPng.toString('base64'),
      sound_file: media.speechWav.toString('base64'),
      callback_url: `${receiverUrl}${hookPath}`,
    },
    { pollIntervalMs: 50 },
  );
  await sandbox.callbacksIdle();
  return task;
}

describe('callbacks', () => {
  let sandbox: Sandbox;
  const secret = generateWebhookSecret();
  beforeAll(async () => {
    sandbox = await startSandbox({
      timings: { submittedMs: 50, processingMs: 100 },
      callbackSecret: secret,
      callbackRetry: { retries: 3, initialDelayMs: 20 },
    });
  });
  afterAll(() => sandbox.stop());

  it('posts every status change in order, signed, in the legacy body shape', async () => {
    const task = await run(sandbox, '/ok');
    const deliveries = received.filter((entry) => entry.path === '/ok');
    const tasks = deliveries.map((entry) =>
      receiveCallback({
        rawBody: entry.body,
        headers: entry.headers,
        secret,
        nowSeconds: Math.floor(Date.now() / 1000),
      }),
    );
    expect(tasks.map((callback) => callback.task.task_status)).toEqual([
      'submitted',
      'processing',
      'succeed',
    ]);
    expect(new Set(tasks.map((callback) => callback.deliveryId)).size).toBe(3);
    const last = JSON.parse(deliveries.at(-1)!.body);
    expect(last).toMatchObject({
      task_id: task.task_id,
      task_status: 'succeed',
      task_status_msg: '',
      task_info: {},
    });
    expect(last.task_result.videos[0].url).toBe(task.task_result?.videos?.[0]?.url);
    expect(last).not.toHaveProperty('code'); // no envelope
    expect(() =>
      receiveCallback({
        rawBody: `${deliveries[0]!.body} `,
        headers: deliveries[0]!.headers,
        secret,
        nowSeconds: Math.floor(Date.now() / 1000),
      }),
    ).toThrow(/does not match/);
  });

  it('retries failures with the same webhook-id, keeping order behind the retried delivery', async () => {
    scripts.set('/flaky', [500, 503]);
    await run(sandbox, '/flaky');
    const deliveries = received.filter((entry) => entry.path === '/flaky');
    const statuses = deliveries.map((entry) => JSON.parse(entry.body).task_status);
    expect(statuses).toEqual(['submitted', 'submitted', 'submitted', 'processing', 'succeed']);
    const ids = deliveries.map((entry) => entry.headers['webhook-id']);
    expect(ids[0]).toBe(ids[1]);
    expect(ids[1]).toBe(ids[2]);
    expect(ids[3]).not.toBe(ids[2]);
  });

  it('stops delivering for a task after 410 Gone', async () => {
    scripts.set('/gone', [410]);
    await run(sandbox, '/gone');
    const deliveries = received.filter((entry) => entry.path === '/gone');
    expect(deliveries).toHaveLength(1);
    expect(sandbox.callbackAttempts().filter((attempt) => attempt.outcome === 'gone')).toHaveLength(1);
  });

  it('gives up after the configured retries', async () => {
    scripts.set('/down', [500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500]);
    await run(sandbox, '/down');
    const submitted = received.filter(
      (entry) => entry.path === '/down' && JSON.parse(entry.body).task_status === 'submitted',
    );
    expect(submitted).toHaveLength(4); // first try + 3 retries
  });
});

describe('unsigned callbacks', () => {
  it('sends no signature headers without a secret', async () => {
    const sandbox = await startSandbox({ timings: { submittedMs: 20, processingMs: 20 } });
    try {
      await run(sandbox, '/plain');
      const first = received.find((entry) => entry.path === '/plain')!;
      expect(first.headers['webhook-signature']).toBeUndefined();
      expect(receiveCallback({ rawBody: first.body, headers: first.headers, nowSeconds: 0 }).signed).toBe(
        false,
      );
    } finally {
      await sandbox.stop();
    }
  });
});
