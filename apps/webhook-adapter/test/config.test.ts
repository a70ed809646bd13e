/** Configuration from the environment, log redaction, and the small pure helpers. */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createAdapter } from '../src/app.js';
import { redactUrl, secretsEqual } from '../src/auth.js';
import { ConfigError, describeConfig, loadConfig, parseDuration } from '../src/config.js';
import { ID_PATTERN, isForward, newId, normalizeHookEvent } from '../src/model.js';
import { createSqliteStorage } from '../src/storage/index.js';
import { API_KEY, fakeKling, tempPath, testConfig, testEnv } from './helpers.js';

describe('configuration', () => {
  it('reports every problem at once, naming the variable', () => {
    try {
      loadConfig({
        DELIVERY_RETRY_WINDOW: 'soon',
        PORT: '99999',
        ADAPTER_API_KEYS: 'short:abc',
        KLING_WEBHOOK_SECRET: 'nope',
      });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const text = (error as ConfigError).message;
      for (const name of [
        'PUBLIC_BASE_URL',
        'ADAPTER_API_KEYS',
        'KLING_API_KEY',
        'DELIVERY_RETRY_WINDOW',
        'PORT',
        'KLING_WEBHOOK_SECRET',
      ]) {
        expect(text).toContain(name);
      }
    }
  });

  it('applies defaults: SQLite, 24 h retry window, https-only outbound', () => {
    const config = loadConfig({
      PUBLIC_BASE_URL: 'https://adapter.example.com/',
      ADAPTER_API_KEYS: `zapier:${API_KEY}`,
      KLING_API_KEY: 'k',
    });
    expect(config.publicBaseUrl).toBe('https://adapter.example.com');
    expect(config.storage).toEqual({ kind: 'sqlite', path: './data/webhook-adapter.db' });
    expect(config.delivery.retryWindowMs).toBe(86_400_000);
    expect(config.outboundAllowList).toEqual([]);
    expect(config.apiKeys).toEqual([{ name: 'zapier', key: API_KEY }]);
  });

  it('selects PostgreSQL from DATABASE_URL and redacts secrets for logging', () => {
    const config = loadConfig(
      testEnv({
        DATABASE_URL: 'postgres://user:pw@db:5432/app',
        DATABASE_SCHEMA: 'adapter',
        KLING_WEBHOOK_SECRET: 'whsec_dGVzdA==',
      }),
    );
    expect(config.storage).toMatchObject({ kind: 'postgres', schema: 'adapter' });
    const described = JSON.stringify(describeConfig(config));
    expect(described).not.toContain(API_KEY);
    expect(described).not.toContain('pw@');
    expect(described).not.toContain('whsec_dGVzdA');
    expect(described).not.toContain('sandbox-key');
  });

  it('parses durations', () => {
    expect(parseDuration('1500')).toBe(1500);
    expect(parseDuration('5s')).toBe(5000);
    expect(parseDuration('1.5m')).toBe(90_000);
    expect(parseDuration('24h')).toBe(86_400_000);
    expect(parseDuration('later')).toBeUndefined();
  });
});

describe('helpers', () => {
  it('ids are unique, well-formed and sort by creation', () => {
    const ids = Array.from({ length: 2000 }, () => newId('vid', 1_700_000_000_000));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.every((id) => ID_PATTERN.test(id))).toBe(true);
    expect([...ids].sort()).toEqual(ids);
  });

  it('statuses only move forward', () => {
    expect(isForward('submitted', 'processing')).toBe(true);
    expect(isForward('processing', 'submitted')).toBe(false);
    expect(isForward('succeeded', 'failed')).toBe(false);
    expect(isForward('creating', 'succeeded')).toBe(true);
  });

  it('hook event names and aliases', () => {
    expect(normalizeHookEvent('any')).toBe('avatar_video.status_changed');
    expect(normalizeHookEvent('SUCCEEDED')).toBe('avatar_video.succeeded');
    expect(normalizeHookEvent('__proto__')).toBeUndefined();
    expect(normalizeHookEvent('toString')).toBeUndefined();
  });

  it('secret comparison and URL redaction', () => {
    expect(secretsEqual('abc', 'abc')).toBe(true);
    expect(secretsEqual('abc', 'abd')).toBe(false);
    expect(redactUrl('/v1/avatar-videos?api_key=secret&limit=2')).toBe(
      '/v1/avatar-videos?api_key=[redacted]&limit=2',
    );
    expect(redactUrl('/v1/kling/callbacks/vid_1/tok3n')).toBe('/v1/kling/callbacks/vid_1/[redacted]');
  });
});

describe('structured logs', () => {
  it('are JSON and never contain API keys, tokens or signatures', async () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const storage = createSqliteStorage(tempPath('logs.db'));
    await storage.migrate();
    const adapter = await createAdapter(testConfig({ LOG_LEVEL: 'trace' }), {
      storage,
      kling: fakeKling(),
      logStream: stream,
    });
    await adapter.app.inject({ url: '/v1/avatar-videos', headers: { authorization: `Bearer ${API_KEY}` } });
    await adapter.app.inject({ url: `/v1/avatar-videos?api_key=${API_KEY}` });
    await adapter.app.inject({
      method: 'POST',
      url: '/v1/kling/callbacks/vid_00000000000000000000000000/supersecrettoken',
      payload: {},
    });
    await adapter.close();
    expect(lines.length).toBeGreaterThan(3);
    for (const line of lines) JSON.parse(line);
    const all = lines.join('\n');
    expect(all).not.toContain(API_KEY);
    expect(all).not.toContain('supersecrettoken');
    expect(all).toContain('[redacted]');
  });
});
