/**
 * SSRF protection: address classification, URL rules, DNS answers checked at connect time (rebinding),
 * redirect hops, and the two places user URLs enter — hook targets and forwarded media URLs.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request as undiciRequest } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdapter } from '../src/app.js';
import { isPublicAddress, OutboundPolicy } from '../src/outbound.js';
import { createSqliteStorage } from '../src/storage/index.js';
import {
  API_KEY,
  fakeKling,
  makePng,
  PNG_BASE64,
  startSubscriber,
  tempPath,
  testConfig,
  WAV_BASE64,
} from './helpers.js';

describe('address classification', () => {
  it.each([
    ['127.0.0.1', false],
    ['127.255.255.254', false],
    ['10.0.0.1', false],
    ['172.16.0.1', false],
    ['172.31.255.255', false],
    ['192.168.1.1', false],
    ['169.254.169.254', false],
    ['100.64.0.1', false],
    ['0.0.0.0', false],
    ['224.0.0.1', false],
    ['255.255.255.255', false],
    ['198.18.0.1', false],
    ['::1', false],
    ['::', false],
    ['fe80::1', false],
    ['fd00:ec2::254', false],
    ['fc00::1', false],
    ['::ffff:127.0.0.1', false],
    ['::ffff:7f00:1', false],
    ['::ffff:10.0.0.1', false],
    ['64:ff9b::a9fe:a9fe', false],
    ['2002:7f00:1::', false],
    ['ff02::1', false],
    ['2001:db8::1', false],
    ['8.8.8.8', true],
    ['93.184.215.14', true],
    ['172.32.0.1', true],
    ['2606:4700:4700::1111', true],
    ['::ffff:8.8.8.8', true],
    ['not-an-ip', false],
  ])('%s public=%s', (address, expected) => {
    expect(isPublicAddress(address)).toBe(expected);
  });
});

describe('URL rules', () => {
  const dns: Record<string, string[]> = {
    'public.example': ['93.184.215.14'],
    'private.example': ['10.0.0.7'],
    'mixed.example': ['93.184.215.14', '127.0.0.1'],
    'metadata.google.internal': ['169.254.169.254'],
    'v6.example': ['::1'],
  };
  const policy = new OutboundPolicy({
    resolve: async (hostname) => {
      const addresses = dns[hostname];
      if (!addresses) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
      return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
    },
  });

  it.each([
    'http://public.example/hook',
    'https://private.example/hook',
    'https://mixed.example/hook',
    'https://metadata.google.internal/computeMetadata/v1/',
    'https://v6.example/',
    'https://nowhere.example/',
    'https://127.0.0.1/',
    'https://0x7f000001/',
    'https://2130706433/',
    'https://017700000001/',
    'https://[::1]/',
    'https://[::ffff:169.254.169.254]/',
    'https://169.254.169.254/latest/meta-data/',
    'https://user:password@public.example/',
    'file:///etc/passwd',
    'gopher://public.example/',
    `https://public.example/${'a'.repeat(2100)}`,
    'not a url',
  ])('refuses %s', async (url) => {
    await expect(policy.checkUrl(url)).rejects.toThrow(/Refused outbound URL/);
  });

  it('accepts a public https URL', async () => {
    await expect(policy.checkUrl('https://public.example/zap?x=1')).resolves.toBeInstanceOf(URL);
    await expect(policy.checkUrl('https://93.184.215.14/zap')).resolves.toBeInstanceOf(URL);
  });

  it('the allow-list exempts named hosts and ranges, plain http included', async () => {
    const local = new OutboundPolicy({
      allowList: ['localhost', '10.0.0.0/8'],
      resolve: async () => [{ address: '10.0.0.7', family: 4 }],
    });
    await expect(local.checkUrl('http://localhost:8080/x')).resolves.toBeInstanceOf(URL);
    await expect(local.checkUrl('http://10.1.2.3/x')).resolves.toBeInstanceOf(URL);
    await expect(local.checkUrl('https://private.example/x')).resolves.toBeInstanceOf(URL);
    await expect(local.checkUrl('http://127.0.0.1/x')).rejects.toThrow(/https/);
  });
});

describe('connect-time and redirect checks', () => {
  let server: Server;
  let port: number;
  let hits = 0;

  beforeAll(async () => {
    server = createServer((request, response) => {
      hits++;
      if (request.url?.startsWith('/redirect')) {
        response.writeHead(302, { location: `http://127.0.0.1:${port}/secret.png` });
        response.end();
        return;
      }
      response.writeHead(200, { 'content-type': 'image/png' });
      response.end(makePng());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('DNS rebinding: the address connected to is checked again at connect time', async () => {
    let lookups = 0;
    // First answer public (passes the URL check), then loopback (what a rebinding attacker serves).
    const policy = new OutboundPolicy({
      allowList: ['rebind.test'].filter(() => false),
      resolve: async () => [{ address: lookups++ === 0 ? '93.184.215.14' : '127.0.0.1', family: 4 }],
    });
    await expect(policy.checkUrl(`https://rebind.test:${port}/`)).resolves.toBeInstanceOf(URL);
    const agent = policy.createAgent({ timeoutMs: 2000 });
    const before = hits;
    await expect(
      undiciRequest(`http://rebind.test:${port}/x.png`, { dispatcher: agent, method: 'GET' }),
    ).rejects.toThrow(/not a public address/);
    expect(hits).toBe(before);
    await agent.close();
  });

  it('every redirect hop is checked', async () => {
    // The first host is allow-listed (a "public" file host in this test); its redirect to loopback is not.
    const policy = new OutboundPolicy({
      allowList: ['files.test'],
      resolve: async () => [{ address: '127.0.0.1', family: 4 }],
    });
    const agent = policy.createAgent({ timeoutMs: 2000 });
    const fetchMedia = policy.createMediaFetch(agent);
    const ok = await fetchMedia(`http://files.test:${port}/portrait.png`);
    expect(ok.status).toBe(200);
    await ok.arrayBuffer();
    const before = hits;
    await expect(fetchMedia(`http://files.test:${port}/redirect`)).rejects.toThrow(/https|public/);
    expect(hits).toBe(before + 1); // the redirect itself, never the private target
    await agent.close();
  });

  it('create refuses private media URLs, before DNS and after redirects, and never calls Kling', async () => {
    const kling = fakeKling();
    const storage = createSqliteStorage(tempPath('ssrf.db'));
    await storage.migrate();
    const adapter = await createAdapter(testConfig({ OUTBOUND_ALLOWLIST: 'files.test' }), {
      storage,
      kling,
      resolve: async (hostname) => [
        { address: hostname === 'files.test' ? '127.0.0.1' : '10.9.9.9', family: 4 },
      ],
    });
    const create = (fields: Record<string, string>) =>
      adapter.app.inject({
        method: 'POST',
        url: '/v1/avatar-videos',
        headers: { authorization: `Bearer ${API_KEY}` },
        payload: fields,
      });
    for (const image_url of [
      'https://169.254.169.254/latest/meta-data/iam',
      'https://intranet.corp/p.png',
      'http://[::1]/p.png',
      `http://files.test:${port}/redirect`,
    ]) {
      const response = await create({ image_url, audio_base64: WAV_BASE64 });
      expect(response.statusCode, image_url).toBe(422);
      expect(response.json().error.problems[0].field).toBe('image_url');
    }
    // The allow-listed host itself works (the probe downloads and inspects it with core).
    const allowed = await create({
      image_url: `http://files.test:${port}/portrait.png`,
      audio_base64: WAV_BASE64,
    });
    expect(allowed.statusCode).toBe(201);
    expect(kling.creates).toHaveLength(1);
    await adapter.close();
  });

  it('a hook whose host later resolves to a private address is never contacted', async () => {
    const subscriber = await startSubscriber();
    let privateNow = false;
    const kling = fakeKling();
    const storage = createSqliteStorage(tempPath('ssrf-hook.db'));
    await storage.migrate();
    const adapter = await createAdapter(
      testConfig({ OUTBOUND_ALLOWLIST: '', DELIVERY_RETRY_WINDOW: '300ms' }),
      {
        storage,
        kling,
        resolve: async () => [{ address: privateNow ? '127.0.0.1' : '93.184.215.14', family: 4 }],
      },
    );
    adapter.startWorkers();
    const hook = await adapter.app.inject({
      method: 'POST',
      url: '/v1/hooks',
      headers: { authorization: `Bearer ${API_KEY}` },
      payload: { target_url: `https://hooks.example:${subscriber.port}/in`, event: 'any' },
    });
    expect(hook.statusCode).toBe(201);
    privateNow = true;
    await adapter.app.inject({
      method: 'POST',
      url: '/v1/avatar-videos',
      headers: { authorization: `Bearer ${API_KEY}` },
      payload: { image_base64: PNG_BASE64, audio_base64: WAV_BASE64 },
    });
    const { waitUntil } = await import('./helpers.js');
    await waitUntil(async () => (await storage.countDeliveries()).dead === 1, 10_000);
    const [dead] = await storage.listDeliveries('tests', { status: 'dead', limit: 1 });
    expect(dead!.lastError).toMatch(/not a public address/);
    expect(subscriber.received).toHaveLength(0);
    await adapter.close();
    await subscriber.close();
  });
});
