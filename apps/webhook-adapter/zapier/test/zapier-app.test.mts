/**
 * The example Zapier app, run with zapier-platform-core's own app tester (which also validates the app
 * definition against Zapier's schema) against a real adapter listening on loopback (fake Kling).
 */
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Adapter, createAdapter } from '../../src/app.js';
import { createSqliteStorage } from '../../src/storage/index.js';
import {
  API_KEY,
  type FakeKling,
  fakeKling,
  makePng,
  makeWav,
  tempPath,
  testConfig,
} from '../../test/helpers.js';
import { freePort } from '../../test/process.js';

const require = createRequire(import.meta.url);
const zapier = require('zapier-platform-core');
const App = require('../index.js');
const appTester = zapier.createAppTester(App);

let adapter: Adapter;
let kling: FakeKling;
let media: Server;
let authData: { base_url: string; api_key: string };
let mediaBase: string;

beforeAll(async () => {
  kling = fakeKling();
  const storage = createSqliteStorage(tempPath('zapier.db'));
  await storage.migrate();
  const port = await freePort();
  // Offline DNS: Zapier's hook host looks public, the local file host is loopback (allow-listed).
  const resolve = async (hostname: string) => [
    { address: hostname === 'localhost' ? '127.0.0.1' : '93.184.215.14', family: 4 },
  ];
  adapter = await createAdapter(testConfig({ HOST: '127.0.0.1', PORT: String(port) }), {
    storage,
    kling,
    resolve,
  });
  await adapter.start();
  authData = { base_url: `http://127.0.0.1:${port}/`, api_key: API_KEY };
  const png = makePng();
  const wav = makeWav();
  media = createServer((request, response) => {
    response.writeHead(200);
    response.end(request.url === '/portrait.png' ? png : wav);
  });
  await new Promise<void>((resolve) => media.listen(0, '127.0.0.1', resolve));
  mediaBase = `http://localhost:${(media.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await adapter?.close();
  await new Promise<void>((resolve) => media?.close(() => resolve()));
});

describe('Zapier app', () => {
  it('validates against the Zapier schema', () => {
    const schema = require('zapier-platform-core/src/tools/schema');
    const results = schema.validateApp(schema.compileApp(App));
    expect((results.errors ?? results).map((error: { stack: string }) => error.stack)).toEqual([]);
  });

  it('authentication test names the key; a wrong key fails', async () => {
    const result = await appTester(App.authentication.test, { authData });
    expect(result).toMatchObject({ name: 'tests' });
    await expect(
      appTester(App.authentication.test, { authData: { ...authData, api_key: 'nope-nope-nope-nope' } }),
    ).rejects.toThrow(/API key/);
  });

  it('create action returns the video at once', async () => {
    const result = await appTester(App.creates.create_avatar_video.operation.perform, {
      authData,
      inputData: {
        image: `${mediaBase}/portrait.png`,
        audio: `${mediaBase}/speech.wav`,
        client_reference: 'zap-row-1',
        mode: 'pro',
        watermark: 'true',
      },
    });
    expect(result).toMatchObject({ status: 'submitted', client_reference: 'zap-row-1', mode: 'pro' });
    expect(result.id).toMatch(/^vid_/);
    expect(kling.creates.at(-1)).toMatchObject({ mode: 'pro', watermark_info: { enabled: true } });
  });

  it('create action surfaces the adapter’s validation message', async () => {
    await expect(
      appTester(App.creates.create_avatar_video.operation.perform, {
        authData,
        inputData: {
          image: 'https://127.0.0.1/private.png',
          tts_text: 'hello there, this is long enough to speak',
          tts_voice_id: 'v',
        },
      }),
    ).rejects.toThrow(/image_url/);
  });

  it('REST hook: subscribe, receive a delivery, list recent items, unsubscribe', async () => {
    const trigger = App.triggers.video_status_changed.operation;
    const subscribeData = await appTester(trigger.performSubscribe, {
      authData,
      targetUrl: 'https://hooks.zapier.com/hooks/standard/1/abc/',
    });
    expect(subscribeData.id).toMatch(/^hook_/);
    const hooks = (
      await adapter.app.inject({ url: '/v1/hooks', headers: { authorization: `Bearer ${API_KEY}` } })
    ).json();
    expect(hooks.data.map((hook: { id: string }) => hook.id)).toContain(subscribeData.id);

    const list = await appTester(trigger.performList, { authData });
    expect(list.length).toBeGreaterThan(0);
    expect(list[0]).toHaveProperty('event_type');
    expect(list[0].id).toMatch(/^evt_/);
    expect(list[0].video_id).toMatch(/^vid_/);
    expect(list[0].status).toEqual(expect.any(String));

    const event = JSON.parse((await adapter.storage.listEvents('tests', { limit: 1 }))[0]!.payload);
    const items = await appTester(trigger.perform, { authData, cleanedRequest: event });
    expect(items).toEqual([list[0]]);

    await appTester(trigger.performUnsubscribe, { authData, subscribeData });
    const after = (
      await adapter.app.inject({ url: '/v1/hooks', headers: { authorization: `Bearer ${API_KEY}` } })
    ).json();
    expect(after.data.map((hook: { id: string }) => hook.id)).not.toContain(subscribeData.id);
    // Unsubscribing twice (the hook already removed, e.g. after a 410) is not an error.
    await appTester(trigger.performUnsubscribe, { authData, subscribeData });
  });

  it('polling trigger returns finished videos with stable ids', async () => {
    const created = kling.creates.at(-1)!;
    const task = [...kling.tasks.values()].find(
      (record) => record.task_info?.external_task_id === created.external_task_id,
    )!;
    kling.advance(task.task_id, 'succeed');
    const video = (await adapter.storage.getVideoById(created.external_task_id!))!;
    await adapter.sync.refresh(video, 'reconcile');
    const items = await appTester(App.triggers.new_finished_video.operation.perform, { authData });
    expect(items.map((item: { id: string }) => item.id)).toEqual([video.id]);
    expect(items[0].video_url).toMatch(/^https:/);
  });
});
