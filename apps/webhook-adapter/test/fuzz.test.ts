/**
 * Property-based fuzzing of every endpoint (fast-check, in-process with fastify's `inject`): whatever
 * arrives — wrong types, hostile strings, broken encodings, odd content types, random multipart parts,
 * forged callbacks — the answer is a 2xx or a 4xx with the JSON error shape, never a 5xx.
 * 10,500+ generated requests in all.
 */
import fc from 'fast-check';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Adapter } from '../src/app.js';
import { createAdapter } from '../src/app.js';
import { createSqliteStorage } from '../src/storage/index.js';
import {
  API_KEY,
  type FakeKling,
  fakeKling,
  PNG_BASE64,
  tempPath,
  testConfig,
  WAV_BASE64,
} from './helpers.js';

let adapter: Adapter;
let kling: FakeKling;
let videoId: string;
let callbackPath: string;

// Deterministic DNS: nothing leaves the machine, and some names resolve to private addresses.
const resolve = async (hostname: string) => {
  if (/internal|local|metadata|corp/i.test(hostname)) return [{ address: '10.1.2.3', family: 4 }];
  if (/six/i.test(hostname)) return [{ address: 'fd00::1', family: 6 }];
  return [{ address: '93.184.215.14', family: 4 }];
};

beforeAll(async () => {
  kling = fakeKling();
  const storage = createSqliteStorage(tempPath('fuzz.db'));
  await storage.migrate();
  adapter = await createAdapter(testConfig({ OUTBOUND_ALLOWLIST: '', PROBE_MEDIA_URLS: 'false' }), {
    storage,
    kling,
    resolve,
  });
  const created = await adapter.app.inject({
    method: 'POST',
    url: '/v1/avatar-videos',
    headers: { authorization: `Bearer ${API_KEY}` },
    payload: { image_base64: PNG_BASE64, audio_base64: WAV_BASE64 },
  });
  videoId = created.json().id;
  callbackPath = new URL(kling.creates[0]!.callback_url!).pathname;
});

afterAll(async () => {
  await adapter.close();
});

function assertNo5xx(response: LightMyRequestResponse, what: string): void {
  if (response.statusCode >= 500 || response.statusCode < 200) {
    throw new Error(`${what} → ${response.statusCode}: ${response.body.slice(0, 500)}`);
  }
  if (response.statusCode >= 400 && response.statusCode !== 429) {
    const body = response.json();
    if (typeof body?.error?.code !== 'string' || typeof body.error.message !== 'string') {
      throw new Error(
        `${what} → ${response.statusCode} without the error shape: ${response.body.slice(0, 300)}`,
      );
    }
  }
}

const authHeaders = fc.oneof(
  fc.constant({ authorization: `Bearer ${API_KEY}` }),
  fc.constant({ 'x-api-key': API_KEY }),
  fc.record({ authorization: fc.string({ maxLength: 80 }) }),
  fc.record({ 'x-api-key': fc.string({ maxLength: 80 }) }),
  fc.constant({}),
);

const hostileString = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.string({ unit: 'binary', maxLength: 100 }),
  fc.constantFrom(
    '',
    ' ',
    '__proto__',
    'constructor',
    '../../etc/passwd',
    '%00',
    '\u0000',
    'data:image/png;base64,iVBORw0KGgo=',
    'https://169.254.169.254/latest/meta-data/',
    'https://[::1]/x',
    'https://[::ffff:127.0.0.1]/x',
    'https://0x7f000001/x',
    'https://2130706433/x',
    'https://metadata.google.internal/x',
    'https://six.example/x',
    'http://example.com/plain-http',
    'https://user:pass@example.com/x',
    'https://example.com/a.png',
    'ftp://example.com/a',
    'javascript:alert(1)',
    `https://example.com/${'a'.repeat(3000)}`,
    PNG_BASE64.slice(0, 200),
    'A'.repeat(4097),
    '=====',
    'true',
    '1e309',
  ),
);

const jsonValue = fc.oneof(
  { depthSize: 'small' },
  hostileString,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string({ maxLength: 10 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 3 }),
);

const createFieldNames = fc.constantFrom(
  'image',
  'image_url',
  'image_base64',
  'image_file',
  'audio',
  'audio_url',
  'audio_base64',
  'audio_file',
  'audio_id',
  'tts_text',
  'tts_voice_id',
  'tts_language',
  'tts_speed',
  'prompt',
  'mode',
  'watermark',
  'client_reference',
  'unknown',
  '__proto__',
);

const validBase = fc.constantFrom(
  {},
  { image_base64: PNG_BASE64, audio_base64: WAV_BASE64 },
  { image_url: 'https://example.com/p.png', audio_url: 'https://example.com/a.wav' },
  { image_base64: PNG_BASE64, tts_text: 'hello there friend', tts_voice_id: 'oversea_male1' },
  { image_base64: PNG_BASE64, audio_id: 'audio-123' },
);

const createBody = fc.oneof(
  fc
    .tuple(validBase, fc.dictionary(createFieldNames, jsonValue, { maxKeys: 5 }))
    .map(([base, extra]) => ({ ...base, ...extra })),
  jsonValue,
  fc.array(jsonValue, { maxLength: 3 }),
);

const RUNS = {
  create: 2500,
  raw: 1000,
  multipart: 800,
  list: 1000,
  id: 600,
  hooks: 1500,
  hookIds: 500,
  events: 600,
  deliveries: 800,
  callbacks: 1000,
};

describe('fuzz: no endpoint answers 5xx', () => {
  it(`POST /v1/avatar-videos with JSON bodies (${RUNS.create})`, async () => {
    await fc.assert(
      fc.asyncProperty(
        createBody,
        authHeaders,
        fc.option(hostileString, { nil: undefined }),
        async (body, headers, key) => {
          const response = await adapter.app.inject({
            method: 'POST',
            url: '/v1/avatar-videos',
            headers: {
              ...headers,
              'content-type': 'application/json',
              ...(key !== undefined && /^[\x20-\x7e]*$/.test(key) ? { 'idempotency-key': key } : {}),
            },
            payload: JSON.stringify(body),
          });
          assertNo5xx(response, `create ${JSON.stringify(body).slice(0, 200)}`);
        },
      ),
      { numRuns: RUNS.create },
    );
  });

  it(`POST /v1/avatar-videos with raw bodies and content types (${RUNS.raw})`, async () => {
    const contentType = fc.oneof(
      fc.constantFrom(
        'application/json',
        'application/json; charset=utf-8',
        'text/plain',
        'multipart/form-data',
        'multipart/form-data; boundary=x',
        'application/x-www-form-urlencoded',
        'application/octet-stream',
        '',
      ),
      fc.string({ maxLength: 40 }).filter((value) => /^[\x20-\x7e]*$/.test(value)),
    );
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 400 }), contentType, async (bytes, type) => {
        const response = await adapter.app.inject({
          method: 'POST',
          url: '/v1/avatar-videos',
          headers: { authorization: `Bearer ${API_KEY}`, ...(type ? { 'content-type': type } : {}) },
          payload: Buffer.from(bytes),
        });
        assertNo5xx(response, `raw create (${type})`);
      }),
      { numRuns: RUNS.raw },
    );
  });

  it(`POST /v1/avatar-videos with multipart forms (${RUNS.multipart})`, async () => {
    const part = fc.record({
      name: fc.oneof(
        createFieldNames,
        fc.string({ maxLength: 12 }).filter((value) => /^[\w-]*$/.test(value)),
      ),
      file: fc.boolean(),
      content: fc.oneof(
        fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
        fc.constantFrom(
          Buffer.from(PNG_BASE64, 'base64'),
          Buffer.from(WAV_BASE64, 'base64'),
          Buffer.alloc(0),
        ),
        hostileString.map((value) => Buffer.from(value)),
      ),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(part, { maxLength: 6 }), fc.boolean(), async (parts, truncate) => {
        const boundary = '----fuzzboundary7MA4YWxkTrZu0gW';
        const chunks: Buffer[] = [];
        for (const entry of parts) {
          chunks.push(
            Buffer.from(
              `--${boundary}\r\nContent-Disposition: form-data; name="${entry.name}"${entry.file ? '; filename="f.bin"' : ''}\r\n${entry.file ? 'Content-Type: application/octet-stream\r\n' : ''}\r\n`,
            ),
            entry.content,
            Buffer.from('\r\n'),
          );
        }
        chunks.push(Buffer.from(`--${boundary}--\r\n`));
        let payload = Buffer.concat(chunks);
        if (truncate) payload = payload.subarray(0, Math.floor(payload.length / 2));
        const response = await adapter.app.inject({
          method: 'POST',
          url: '/v1/avatar-videos',
          headers: {
            authorization: `Bearer ${API_KEY}`,
            'content-type': `multipart/form-data; boundary=${boundary}`,
          },
          payload,
        });
        assertNo5xx(response, `multipart ${parts.map((entry) => entry.name).join(',')}`);
      }),
      { numRuns: RUNS.multipart },
    );
  });

  const queryString = fc
    .dictionary(
      fc.constantFrom('status', 'limit', 'starting_after', 'type', 'video_id', 'api_key', 'x', 'limit[]'),
      fc.oneof(
        hostileString,
        fc.integer().map(String),
        fc.constantFrom('succeeded', 'failed', 'dead', '0', '101', '-1', '1.5'),
      ),
      { maxKeys: 4 },
    )
    .map((entries) => new URLSearchParams(entries).toString());

  it(`GET /v1/avatar-videos with random queries (${RUNS.list})`, async () => {
    await fc.assert(
      fc.asyncProperty(queryString, authHeaders, async (query, headers) => {
        const response = await adapter.app.inject({
          method: 'GET',
          url: `/v1/avatar-videos?${query}`,
          headers,
        });
        assertNo5xx(response, `list ?${query}`);
      }),
      { numRuns: RUNS.list },
    );
  });

  const pathSegment = fc.oneof(
    hostileString.map((value) => encodeURIComponent(value)),
    fc.constantFrom(
      'vid_00000000000000000000000000',
      '%',
      '%zz',
      '..',
      'vid_',
      'hook_01ARZ3NDEKTSV4RRFFQ69G5FAV',
      'dlv_01ARZ3NDEKTSV4RRFFQ69G5FAV',
    ),
    fc.constant(null).map(() => videoId),
  );

  it(`GET /v1/avatar-videos/:id and other id routes (${RUNS.id})`, async () => {
    await fc.assert(
      fc.asyncProperty(
        pathSegment,
        fc.constantFrom('/v1/avatar-videos/', '/v1/deliveries/', '/v1/hooks/'),
        fc.constantFrom('GET', 'DELETE', 'POST', 'PUT', 'PATCH'),
        async (id, prefix, method) => {
          const response = await adapter.app.inject({
            method: method as 'GET',
            url: `${prefix}${id}`,
            headers: { authorization: `Bearer ${API_KEY}` },
          });
          assertNo5xx(response, `${method} ${prefix}${id}`);
        },
      ),
      { numRuns: RUNS.id },
    );
  });

  it(`POST /v1/hooks with random subscriptions (${RUNS.hooks})`, async () => {
    const hookBody = fc.oneof(
      fc.record(
        {
          target_url: hostileString,
          url: hostileString,
          event: fc.oneof(
            fc.constantFrom('any', 'succeeded', 'failed', 'avatar_video.succeeded', '*', 'nope'),
            hostileString,
          ),
        },
        { requiredKeys: [] },
      ),
      jsonValue,
    );
    await fc.assert(
      fc.asyncProperty(hookBody, authHeaders, async (body, headers) => {
        const response = await adapter.app.inject({
          method: 'POST',
          url: '/v1/hooks',
          headers: { ...headers, 'content-type': 'application/json' },
          payload: JSON.stringify(body),
        });
        assertNo5xx(response, `hook ${JSON.stringify(body).slice(0, 200)}`);
        // Nothing private or plain-http may ever be accepted as a target.
        if (response.statusCode === 201) {
          const url = new URL(response.json().target_url);
          expect(url.protocol).toBe('https:');
          expect(url.hostname).not.toMatch(/^(127\.|10\.|169\.254|\[::1\]|\[fd|0x)|internal|local|six/);
          await adapter.app.inject({
            method: 'DELETE',
            url: `/v1/hooks/${response.json().id}`,
            headers: { authorization: `Bearer ${API_KEY}` },
          });
        }
      }),
      { numRuns: RUNS.hooks },
    );
  });

  it(`GET /v1/hooks and DELETE /v1/hooks/:id (${RUNS.hookIds})`, async () => {
    await fc.assert(
      fc.asyncProperty(pathSegment, authHeaders, fc.boolean(), async (id, headers, list) => {
        const response = list
          ? await adapter.app.inject({ method: 'GET', url: `/v1/hooks?${id}`, headers })
          : await adapter.app.inject({ method: 'DELETE', url: `/v1/hooks/${id}`, headers });
        assertNo5xx(response, `hooks ${id}`);
      }),
      { numRuns: RUNS.hookIds },
    );
  });

  it(`GET /v1/events with random queries (${RUNS.events})`, async () => {
    await fc.assert(
      fc.asyncProperty(queryString, async (query) => {
        const response = await adapter.app.inject({
          method: 'GET',
          url: `/v1/events?${query}`,
          headers: { authorization: `Bearer ${API_KEY}` },
        });
        assertNo5xx(response, `events ?${query}`);
      }),
      { numRuns: RUNS.events },
    );
  });

  it(`deliveries, dead letters and replay (${RUNS.deliveries})`, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(
          '/v1/deliveries',
          '/v1/dead-letters',
          '/v1/deliveries/replay',
          '/v1/me',
          '/healthz',
          '/readyz',
          '/metrics',
          '/nope',
        ),
        fc.constantFrom('GET', 'POST'),
        queryString,
        jsonValue,
        async (path, method, query, body) => {
          const response = await adapter.app.inject({
            method: method as 'GET',
            url: `${path}?${query}`,
            headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
            ...(method === 'POST' ? { payload: JSON.stringify(body) } : {}),
          });
          assertNo5xx(response, `${method} ${path}?${query}`);
        },
      ),
      { numRuns: RUNS.deliveries },
    );
  });

  it(`POST /v1/kling/callbacks with forged paths, headers and bodies (${RUNS.callbacks})`, async () => {
    const callbackBody = fc.oneof(
      jsonValue.map((value) => JSON.stringify(value)),
      fc
        .record(
          {
            task_id: fc.oneof(fc.string({ maxLength: 20 }), fc.integer()),
            task_status: fc.constantFrom('submitted', 'processing', 'succeed', 'failed', 'bogus'),
            task_info: fc.record({ external_task_id: fc.oneof(fc.constant(videoId ?? ''), fc.string()) }),
            task_result: jsonValue,
          },
          { requiredKeys: [] },
        )
        .map((value) => JSON.stringify(value)),
      fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.constant(callbackPath),
          pathSegment.map((segment) => `/v1/kling/callbacks/${videoId}/${segment}`),
          pathSegment.map((segment) => `/v1/kling/callbacks/${segment}/x`),
        ),
        callbackBody,
        fc.record(
          {
            'webhook-id': fc.string({ maxLength: 20 }).filter((value) => /^[\x21-\x7e]*$/.test(value)),
            'webhook-timestamp': fc.oneof(
              fc.integer().map(String),
              fc.constant(String(Math.floor(Date.now() / 1000))),
            ),
            'webhook-signature': fc.string({ maxLength: 60 }).filter((value) => /^[\x20-\x7e]*$/.test(value)),
            'content-type': fc.constantFrom('application/json', 'text/plain', 'application/xml'),
          },
          { requiredKeys: [] },
        ),
        async (path, body, headers) => {
          const response = await adapter.app.inject({ method: 'POST', url: path, headers, payload: body });
          assertNo5xx(response, `callback ${path}`);
        },
      ),
      { numRuns: RUNS.callbacks },
    );
    await adapter.sync.idle();
  });

  it('ran at least 10,000 cases', () => {
    expect(Object.values(RUNS).reduce((sum, runs) => sum + runs, 0)).toBeGreaterThanOrEqual(10_000);
  });
});
