/** Operations: health, readiness, metrics, per-key rate limits, body limits sized for Kling's media. */
import { afterEach, describe, expect, it } from 'vitest';
import { type Adapter, createAdapter } from '../src/app.js';
import { createSqliteStorage } from '../src/storage/index.js';
import {
  API_KEY,
  fakeKling,
  makePng,
  makeWav,
  OTHER_API_KEY,
  tempPath,
  testConfig,
  WAV_BASE64,
} from './helpers.js';

let adapter: Adapter | undefined;
afterEach(async () => {
  await adapter?.close();
  adapter = undefined;
});

async function build(env: Record<string, string> = {}) {
  const storage = createSqliteStorage(tempPath('ops.db'));
  await storage.migrate();
  const kling = fakeKling();
  adapter = await createAdapter(testConfig(env), { storage, kling });
  return { adapter, kling };
}

/** A valid PNG padded with an ancillary chunk to `bytes` (core reads the header, Kling the whole file). */
function paddedPng(bytes: number): Buffer {
  const png = makePng();
  const iend = png.subarray(png.length - 12);
  const padding = bytes - png.length - 12;
  const chunk = Buffer.alloc(12 + padding);
  chunk.writeUInt32BE(padding, 0);
  chunk.write('zzPd', 4, 'ascii');
  return Buffer.concat([png.subarray(0, png.length - 12), chunk, iend]);
}

describe('operations', () => {
  it('healthz, readyz and Prometheus metrics', async () => {
    const { adapter } = await build();
    expect((await adapter.app.inject('/healthz')).json()).toEqual({ status: 'ok' });
    expect((await adapter.app.inject('/readyz')).json()).toEqual({ status: 'ready', storage: 'sqlite' });
    await adapter.app.inject({ url: '/v1/avatar-videos', headers: { authorization: `Bearer ${API_KEY}` } });
    const metrics = await adapter.app.inject('/metrics');
    expect(metrics.headers['content-type']).toMatch(/text\/plain/);
    expect(metrics.body).toContain('kling_adapter_http_request_duration_seconds_bucket');
    expect(metrics.body).toContain('route="/v1/avatar-videos"');
    expect(metrics.body).toContain('kling_adapter_deliveries{status="pending"} 0');
    expect(metrics.body).toContain('kling_adapter_process_cpu_seconds_total');
  });

  it('requires an API key on every client endpoint', async () => {
    const { adapter } = await build();
    for (const [method, url] of [
      ['GET', '/v1/avatar-videos'],
      ['POST', '/v1/avatar-videos'],
      ['GET', '/v1/avatar-videos/vid_00000000000000000000000000'],
      ['POST', '/v1/hooks'],
      ['GET', '/v1/hooks'],
      ['DELETE', '/v1/hooks/hook_00000000000000000000000000'],
      ['GET', '/v1/events'],
      ['GET', '/v1/deliveries'],
      ['GET', '/v1/dead-letters'],
      ['POST', '/v1/deliveries/replay'],
      ['POST', '/v1/deliveries/dlv_00000000000000000000000000/replay'],
      ['GET', '/v1/me'],
    ] as const) {
      const response = await adapter.app.inject({
        method,
        url,
        headers: { authorization: 'Bearer wrong-key-000000000000' },
      });
      expect(response.statusCode, `${method} ${url}`).toBe(401);
    }
  });

  it('rate-limits per API key', async () => {
    const { adapter } = await build({ RATE_LIMIT_MAX: '5', RATE_LIMIT_WINDOW: '1m' });
    const statuses: number[] = [];
    for (let index = 0; index < 7; index++) {
      statuses.push(
        (await adapter.app.inject({ url: '/v1/hooks', headers: { 'x-api-key': API_KEY } })).statusCode,
      );
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
    const limited = await adapter.app.inject({ url: '/v1/hooks', headers: { 'x-api-key': API_KEY } });
    expect(limited.json().error.code).toBe('rate_limited');
    expect(limited.headers['retry-after']).toBeDefined();
    // Another key has its own budget.
    expect(
      (await adapter.app.inject({ url: '/v1/hooks', headers: { 'x-api-key': OTHER_API_KEY } })).statusCode,
    ).toBe(200);
  });

  it('accepts a 10 MB image and a 5 MB audio as base64, refuses larger bodies with 413', async () => {
    const { adapter, kling } = await build();
    const image = paddedPng(10 * 1024 * 1024 - 4096).toString('base64');
    const audio = makeWav(160).toString('base64'); // ≈ 5 MB of 16 kHz PCM
    expect(Buffer.byteLength(image) + Buffer.byteLength(audio)).toBeGreaterThan(19 * 1024 * 1024);
    const big = await adapter.app.inject({
      method: 'POST',
      url: '/v1/avatar-videos',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ image_base64: image, audio_base64: audio }),
    });
    expect(big.statusCode, big.body.slice(0, 300)).toBe(201);
    expect(kling.creates[0]!.image.length).toBe(image.length);

    const tooBig = await adapter.app.inject({
      method: 'POST',
      url: '/v1/avatar-videos',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ image_base64: 'A'.repeat(23 * 1024 * 1024), audio_base64: WAV_BASE64 }),
    });
    expect(tooBig.statusCode).toBe(413);
    expect(tooBig.json().error.code).toBe('body_too_large');
    // Other endpoints keep a small limit.
    const hook = await adapter.app.inject({
      method: 'POST',
      url: '/v1/hooks',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ target_url: `https://example.com/${'a'.repeat(2 * 1024 * 1024)}` }),
    });
    expect(hook.statusCode).toBe(413);
  });

  it('multipart: an oversized file is 413, an over-limit audio file is named by core', async () => {
    const { adapter } = await build();
    const boundary = 'xyzBOUNDARYxyz';
    const form = (parts: [string, Buffer][]) =>
      Buffer.concat([
        ...parts.flatMap(([name, content]) => [
          Buffer.from(
            `--${boundary}\r\nContent-Disposition: form-data; name="${name}"; filename="${name}.bin"\r\n\r\n`,
          ),
          content,
          Buffer.from('\r\n'),
        ]),
        Buffer.from(`--${boundary}--\r\n`),
      ]);
    const send = (payload: Buffer) =>
      adapter.app.inject({
        method: 'POST',
        url: '/v1/avatar-videos',
        headers: {
          authorization: `Bearer ${API_KEY}`,
          'content-type': `multipart/form-data; boundary=${boundary}`,
        },
        payload,
      });
    const huge = await send(
      form([
        ['image', paddedPng(11 * 1024 * 1024)],
        ['audio', makeWav()],
      ]),
    );
    expect(huge.statusCode).toBe(413);
    const longAudio = await send(
      form([
        ['image', makePng()],
        ['audio', makeWav(180)],
      ]),
    );
    expect(longAudio.statusCode).toBe(422);
    expect(longAudio.json().error.problems[0]).toMatchObject({ field: 'audio', code: 'audio_too_large' });
    const ok = await send(
      form([
        ['image', makePng()],
        ['audio', makeWav()],
      ]),
    );
    expect(ok.statusCode).toBe(201);
    expect(ok.json().audio_source).toBe('file');
  });

  it('readiness turns 503 while shutting down', async () => {
    const { adapter: instance } = await build();
    const closing = instance.close();
    expect(instance.context.accepting()).toBe(false);
    await closing;
    adapter = undefined;
  });
});
