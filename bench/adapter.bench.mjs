#!/usr/bin/env node
// Webhook adapter throughput, beside a bare fastify server doing the same essential work in the same run.
// Every server is its own process (sandboxes, Kling stub, bare server, two adapters); autocannon runs here.
//
//   1. create       POST /v1/avatar-videos at 200 connections. Adapter: auth, rate limit, core preflight,
//                   outbox writes, Kling create, answer. Bare fastify: forward the same body to Kling and
//                   answer. Run twice: against an instant Kling stub (the adapter's own cost) and against
//                   the sandbox (a fresh one per target; the sandbox's create is then the bottleneck).
//   2. callback     Kling callback ingest at 200 connections, Standard Webhooks-signed. Adapter: token
//                   check, signature, de-dupe + state update + outbox in one transaction. Bare fastify:
//                   verify the same signature and answer.
//   3. deliveries   1,000 subscribers (REST hooks); events fan out to all of them; sustained signed
//                   deliveries per second until every one is acknowledged.
//
// Targets: adapter ≥ 50 % of the bare server's requests/s, p99 < 50 ms. A bare "hello" route is printed
// too, as the framework's ceiling on this machine.
//
//   node bench/adapter.bench.mjs   (needs built packages: pnpm turbo run build --filter @kling-avatar/webhook-adapter...)
//
// Options: --duration 8 --connections 200 --subscribers 1000 --events 20 --storage sqlite|postgres
// Env: BENCH_SANDBOX_MODULE (default packages/sandbox/dist/index.js), TEST_DATABASE_URL for --storage postgres.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { png, wav } from '@kling-avatar/test-media';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const adapterDir = join(root, 'apps/webhook-adapter');
const requireFromAdapter = createRequire(join(adapterDir, 'package.json'));
const autocannon = requireFromAdapter('autocannon');

const { values: flags } = parseArgs({
  options: {
    duration: { type: 'string', default: '8' },
    connections: { type: 'string', default: '200' },
    subscribers: { type: 'string', default: '1000' },
    events: { type: 'string', default: '20' },
    storage: { type: 'string', default: 'sqlite' },
    only: { type: 'string' },
  },
});
const DURATION = Number(flags.duration);
const CONNECTIONS = Number(flags.connections);
const SUBSCRIBERS = Number(flags.subscribers);
const EVENTS = Number(flags.events);
/** `--only create|callback|deliveries` runs one part (for profiling); default all. */
const runs = (part) => flags.only === undefined || flags.only === part;
const TARGET_RATIO = 0.5;
const TARGET_P99_MS = 50;
const API_KEY = `bench-${randomBytes(12).toString('hex')}`;
const CALLBACK_SECRET = `whsec_${randomBytes(24).toString('base64')}`;
// biome-ignore lint/suspicious/noUndeclaredEnvVars: a benchmark option, not a build input
const sandboxModule = process.env.BENCH_SANDBOX_MODULE ?? join(root, 'packages/sandbox/dist/index.js');
const adapterIndex = join(adapterDir, 'dist/index.js');
const coreIndex = join(root, 'packages/core/dist/index.js');
const pgUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const workDir = join(tmpdir(), `kav-adapter-bench-${process.pid}`);
let spawned = 0;

// ---------------------------------------------------------------------------------------------------
// Media: a small real PNG and WAV (the sandbox inspects them like Kling would).

// ---------------------------------------------------------------------------------------------------
// Child processes

/**
 * Output goes to a log file, not a pipe into this process: the adapter logs every request, and reading
 * those lines here would take CPU from autocannon (and so from the adapter's own figures).
 */
function spawnNode(label, args, env, readyPattern) {
  mkdirSync(workDir, { recursive: true });
  const logFile = join(workDir, `${label}-${++spawned}.log`);
  const fd = openSync(logFile, 'w');
  const child = spawn(process.execPath, [...nodeFlags(label), ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  const output = () => readFileSync(logFile, 'utf8').slice(-4000);
  const ready = new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      const match = readyPattern.exec(readFileSync(logFile, 'utf8'));
      if (match) {
        clearInterval(timer);
        resolve(match);
      }
    }, 50);
    child.on('exit', (code) => {
      clearInterval(timer);
      reject(new Error(`${label} exited (${code}):\n${output().slice(-2000)}`));
    });
  });
  return { child, ready, output };
}

/** BENCH_PROFILE=adapter writes V8 CPU profiles of the adapters to the work folder (kept). */
function nodeFlags(label) {
  // biome-ignore lint/suspicious/noUndeclaredEnvVars: a benchmark option, not a build input
  return process.env.BENCH_PROFILE === label
    ? ['--cpu-prof', `--cpu-prof-dir=${join(workDir, 'profiles')}`]
    : [];
}

const sandboxScript = `
const { startSandbox } = await import(${JSON.stringify(pathToFileURL(sandboxModule).href)});
// Tasks stay "submitted" for the whole run: the benchmark measures the HTTP paths, not ffmpeg.
const sandbox = await startSandbox({ timings: { submittedMs: 3_600_000, processingMs: 1000 }, concurrency: 10_000_000,
  callbackSecret: process.env.CALLBACK_SECRET, apiKeys: ['bench-sandbox-key'] });
console.log('SANDBOX ' + sandbox.url);
process.on('SIGTERM', async () => { await sandbox.stop(); process.exit(0); });
`;

// An instant Kling: parses the create and answers a record at once, so the adapter's own cost shows.
const stubScript = `
import { rmSync } from 'node:fs';
import { createServer } from 'node:http';
let counter = 0;
const server = createServer((request, response) => {
  const chunks = [];
  request.on('data', (chunk) => chunks.push(chunk));
  request.on('end', () => {
    const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString()) : {};
    const now = Date.now();
    const data = { task_id: String(700000000000000000n + BigInt(++counter)), task_status: 'submitted', task_status_msg: '',
      task_info: body.external_task_id ? { external_task_id: body.external_task_id } : {}, created_at: now, updated_at: now };
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ code: 0, message: 'SUCCEED', request_id: 'stub', data }));
  });
});
server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => console.log('STUB http://127.0.0.1:' + server.address().port));
`;

const bareScript = `
import { createRequire } from 'node:module';
const require = createRequire(${JSON.stringify(join(adapterDir, 'package.json'))});
const Fastify = require('fastify');
const { Agent, fetch } = require('undici');
const { verifyWebhook } = await import(${JSON.stringify(pathToFileURL(coreIndex).href)});
const agent = new Agent({ connections: 256 });
const app = Fastify({ logger: false, bodyLimit: 22 * 1024 * 1024 });
let self = '';
app.get('/hello', async () => ({ ok: true }));
// The irreducible work of a create: forward to Kling and answer with its record. Against the sandbox the
// bare server also asks for callbacks (to itself), so the sandbox does the same work for both.
for (const [path, target, callbacks] of [['/sandbox/v1/avatar-videos', process.env.SANDBOX_URL, true], ['/stub/v1/avatar-videos', process.env.STUB_URL, false]]) {
  app.post(path, async (request, reply) => {
    // The same flat fields the adapter takes, renamed to Kling's.
    const { image_base64: image, audio_base64: sound_file, ...rest } = request.body;
    const body = { ...rest, image, sound_file, ...(callbacks ? { callback_url: self + '/callback' } : {}) };
    const response = await fetch(target + '/v1/videos/avatar/image2video', {
      method: 'POST', dispatcher: agent,
      headers: { authorization: 'Bearer bench-sandbox-key', 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const answer = await response.json();
    return reply.code(response.status === 200 ? 201 : response.status).send(answer.data ?? answer);
  });
}
// The irreducible work of a signed callback: verify the signature over the raw body and answer.
app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
  if (request.url === '/callback') return done(null, body);
  try { done(null, JSON.parse(body.toString())); } catch (error) { done(error); }
});
app.post('/callback', async (request) => {
  verifyWebhook({ secret: process.env.CALLBACK_SECRET, headers: request.headers, body: request.body, nowSeconds: Math.floor(Date.now() / 1000) });
  return { received: true };
});
await app.listen({ port: 0, host: '127.0.0.1' });
self = 'http://127.0.0.1:' + app.server.address().port;
console.log('BARE ' + self);
`;

function freePort() {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** CPU time (user + system, all threads) a process has used so far, in ms; undefined without /proc. */
function cpuMs(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10; // clock ticks of 10 ms (USER_HZ = 100)
  } catch {
    return undefined;
  }
}

/** One autocannon run; `server` (a child process) gets its CPU per request measured too. */
async function run(label, options, server) {
  // Let the previous run's backlog (queued requests, callbacks) drain first.
  await new Promise((resolve) => setTimeout(resolve, 3000));
  const cpuBefore = server && cpuMs(server.pid);
  const result = await autocannon({ connections: CONNECTIONS, duration: DURATION, ...options });
  const cpuAfter = server && cpuMs(server.pid);
  const cpuPerRequest =
    cpuBefore === undefined || cpuAfter === undefined || result.requests.total === 0
      ? undefined
      : ((cpuAfter - cpuBefore) * 1000) / result.requests.total;
  const figures = {
    label,
    rps: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    total: result.requests.total,
  };
  const cpu = cpuPerRequest === undefined ? '' : `   server CPU ${Math.round(cpuPerRequest)} µs/req`;
  console.log(
    `  ${label.padEnd(34)} ${String(figures.rps).padStart(7)} req/s   p50 ${String(figures.p50).padStart(4)} ms   p99 ${String(figures.p99).padStart(4)} ms   non-2xx ${figures.non2xx}   errors ${figures.errors}${cpu}`,
  );
  return figures;
}

function verdict(name, ok, detail) {
  console.log(`${ok ? 'PASS' : 'FAIL'} ${name}: ${detail}`);
  return ok;
}

function videoRow(adapter, index, tokenHash) {
  return adapter.newVideoRow({
    owner: 'bench',
    status: 'submitted',
    klingTaskId: String(800000000000000000n + BigInt(index)),
    klingStatus: 'submitted',
    callbackTokenHash: tokenHash,
  });
}

async function main() {
  const adapter = await import(pathToFileURL(adapterIndex).href);
  const children = [];
  process.on('exit', () => {
    for (const child of children) child.kill('SIGKILL');
  });
  const start = async (label, args, env, pattern) => {
    const spawned = spawnNode(label, args, env, pattern);
    children.push(spawned.child);
    return { child: spawned.child, match: await spawned.ready };
  };

  // Each create target gets a fresh sandbox, so both start from the same empty state.
  const sandboxForBare = await start(
    'sandbox',
    ['--input-type=module', '-e', sandboxScript],
    { CALLBACK_SECRET },
    /SANDBOX (\S+)/,
  );
  const sandboxForAdapter = await start(
    'sandbox',
    ['--input-type=module', '-e', sandboxScript],
    { CALLBACK_SECRET },
    /SANDBOX (\S+)/,
  );
  const stub = await start('stub', ['--input-type=module', '-e', stubScript], {}, /STUB (\S+)/);
  const bare = await start(
    'bare',
    ['--input-type=module', '-e', bareScript],
    { SANDBOX_URL: sandboxForBare.match[1], STUB_URL: stub.match[1], CALLBACK_SECRET },
    /BARE (\S+)/,
  );
  const bareUrl = bare.match[1];

  // Storage for adapter A (against the sandbox), seeded with videos whose callback tokens we know.
  const storageEnv = (label) => {
    if (flags.storage !== 'postgres') return { SQLITE_PATH: join(workDir, `${label}.db`) };
    return { DATABASE_URL: pgUrl, DATABASE_SCHEMA: `kav_bench_${process.pid}_${label}` };
  };
  const openStorage = async (env) => {
    const storage = env.DATABASE_URL
      ? await adapter.createPostgresStorage({
          url: env.DATABASE_URL,
          schema: env.DATABASE_SCHEMA,
          poolSize: 4,
        })
      : adapter.createSqliteStorage(env.SQLITE_PATH);
    await storage.migrate();
    return storage;
  };
  const envA = storageEnv('a');
  const envB = storageEnv('b');
  const seedStorage = await openStorage(envA);
  const seeded = [];
  for (let index = 0; index < 200; index++) {
    const token = randomBytes(32).toString('base64url');
    const video = videoRow(adapter, index, createHash('sha256').update(token).digest('hex'));
    await seedStorage.insertVideo(video);
    seeded.push({ video, token });
  }
  await seedStorage.close();

  const startAdapter = async (storage, klingUrl) => {
    const port = await freePort();
    const { child } = await start(
      'adapter',
      [join(adapterDir, 'dist/main.js')],
      {
        ...storage,
        HOST: '127.0.0.1',
        PORT: String(port),
        PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
        ADAPTER_API_KEYS: `bench:${API_KEY}`,
        KLING_BASE_URL: klingUrl,
        KLING_API_KEY: 'bench-sandbox-key',
        KLING_WEBHOOK_SECRET: CALLBACK_SECRET,
        OUTBOUND_ALLOWLIST: '127.0.0.1',
        RATE_LIMIT_MAX: '1000000',
        MAX_HOOKS_PER_KEY: String(SUBSCRIBERS),
        RECONCILE_AFTER: '1h',
        DELIVERY_CONCURRENCY: '128',
        DELIVERY_POLL_INTERVAL: '50ms',
        LOG_LEVEL: 'info',
      },
      /"msg":"listening"/,
    );
    return { url: `http://127.0.0.1:${port}`, child };
  };
  const { url: adapterOnSandbox, child: adapterOnSandboxProcess } = await startAdapter(
    envA,
    sandboxForAdapter.match[1],
  );
  const { url: adapterOnStub, child: adapterOnStubProcess } = await startAdapter(envB, stub.match[1]);

  console.log(
    `Webhook adapter benchmark: ${CONNECTIONS} connections, ${DURATION} s per run, storage ${flags.storage}`,
  );
  console.log('  (the adapter logs every request at info level; everything shares this machine)');
  const ceiling = await run('bare fastify GET /hello (ceiling)', { url: `${bareUrl}/hello` }, bare.child);

  const createBody = JSON.stringify({
    image_base64: png(400, 500).toString('base64'),
    audio_base64: wav(2.2, { sampleRate: 8000 }).toString('base64'),
    prompt: 'a friendly nod',
  });
  const createRequest = {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` },
    body: createBody,
  };
  const warm = (url) => autocannon({ url, connections: 20, duration: 1, ...createRequest });
  let bareStub, adapterStub, bareSandbox, adapterSandbox, bareStubSingle, adapterStubSingle;
  if (runs('create')) {
    console.log(
      `\ncreate against an instant Kling stub (the adapter's own cost; body ${createBody.length} bytes)`,
    );
    await warm(`${bareUrl}/stub/v1/avatar-videos`);
    await warm(`${adapterOnStub}/v1/avatar-videos`);
    bareStub = await run(
      'bare fastify → stub create',
      { url: `${bareUrl}/stub/v1/avatar-videos`, ...createRequest },
      bare.child,
    );
    adapterStub = await run(
      'adapter POST /v1/avatar-videos',
      { url: `${adapterOnStub}/v1/avatar-videos`, ...createRequest },
      adapterOnStubProcess,
    );
    // At 200 connections the p99 is queueing (Little's law: p99 < 50 ms needs more than 4,000 req/s,
    // and even the bare server forwards about 1,000 of these 49 KB bodies per second here). One
    // connection shows the latency of the work itself. (autocannon's rate pacing sends bursts, so a
    // "half load" run would measure its bursts, not the servers.)
    console.log('  one connection (no queueing):');
    bareStubSingle = await run(
      'bare fastify → stub create (1 conn)',
      { url: `${bareUrl}/stub/v1/avatar-videos`, ...createRequest, connections: 1 },
      bare.child,
    );
    adapterStubSingle = await run(
      'adapter create (1 conn)',
      { url: `${adapterOnStub}/v1/avatar-videos`, ...createRequest, connections: 1 },
      adapterOnStubProcess,
    );

    console.log('\ncreate against the sandbox (fresh sandbox each; its create path is the bottleneck)');
    bareSandbox = await run(
      'bare fastify → sandbox create',
      { url: `${bareUrl}/sandbox/v1/avatar-videos`, ...createRequest },
      bare.child,
    );
    adapterSandbox = await run(
      'adapter → sandbox create',
      { url: `${adapterOnSandbox}/v1/avatar-videos`, ...createRequest },
      adapterOnSandboxProcess,
    );
  }

  let bareCallback, adapterCallback;
  if (runs('callback')) {
    console.log('\ncallback ingest (Standard Webhooks-signed, unique webhook-id per request)');
    const { signWebhook } = await import(pathToFileURL(coreIndex).href);
    let counter = 0;
    const signedRequest = (pathFor) => ({
      method: 'POST',
      setupRequest(request) {
        const entry = seeded[counter % seeded.length];
        const status = counter % 2 === 0 ? 'processing' : 'submitted';
        const id = `msg_${process.pid}_${counter++}`;
        const body = JSON.stringify({
          task_id: entry.video.klingTaskId,
          task_status: status,
          task_status_msg: '',
          task_info: { external_task_id: entry.video.id },
          created_at: entry.video.createdAt,
          updated_at: Date.now(),
        });
        const timestampSeconds = Math.floor(Date.now() / 1000);
        request.path = pathFor(entry);
        request.body = body;
        request.headers = {
          'content-type': 'application/json',
          'webhook-id': id,
          'webhook-timestamp': String(timestampSeconds),
          'webhook-signature': signWebhook({ secret: CALLBACK_SECRET, id, timestampSeconds, body }),
        };
        return request;
      },
    });
    await autocannon({
      url: bareUrl,
      connections: 20,
      duration: 1,
      requests: [signedRequest(() => '/callback')],
    });
    bareCallback = await run(
      'bare fastify verify + 200',
      { url: bareUrl, requests: [signedRequest(() => '/callback')] },
      bare.child,
    );
    adapterCallback = await run(
      'adapter Kling callback ingest',
      {
        url: adapterOnSandbox,
        requests: [signedRequest((entry) => `/v1/kling/callbacks/${entry.video.id}/${entry.token}`)],
      },
      adapterOnSandboxProcess,
    );
  }

  const servers = [];
  let delivered = 0;
  let expected = 0;
  let perSecond = 0;
  let seconds = 0;
  if (runs('deliveries')) {
    console.log(
      `\ndeliveries (${SUBSCRIBERS} subscribers, ${EVENTS} events → ${SUBSCRIBERS * EVENTS} signed deliveries)`,
    );
    let lastAt = 0;
    for (let index = 0; index < 4; index++) {
      const server = createServer((request, response) => {
        request.resume();
        request.on('end', () => {
          delivered++;
          lastAt = performance.now();
          response.writeHead(204);
          response.end();
        });
      });
      server.keepAliveTimeout = 30_000;
      await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
      servers.push(server);
    }
    for (let index = 0; index < SUBSCRIBERS; index++) {
      const server = servers[index % servers.length];
      const response = await fetch(`${adapterOnStub}/v1/hooks`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` },
        body: JSON.stringify({
          target_url: `http://127.0.0.1:${server.address().port}/subscriber/${index}`,
          event: 'any',
        }),
      });
      if (response.status !== 201)
        throw new Error(`subscribing failed: ${response.status} ${await response.text()}`);
    }
    const firstAt = performance.now();
    for (let index = 0; index < EVENTS; index++) {
      const response = await fetch(`${adapterOnStub}/v1/avatar-videos`, createRequest);
      if (response.status !== 201) throw new Error(`create failed: ${response.status}`);
    }
    expected = SUBSCRIBERS * EVENTS;
    const deadline = Date.now() + 180_000;
    while (delivered < expected && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 50));
    seconds = (lastAt - firstAt) / 1000;
    perSecond = Math.round(delivered / seconds);
    console.log(
      `  ${delivered} of ${expected} deliveries acknowledged in ${seconds.toFixed(2)} s → ${perSecond} deliveries/s`,
    );
  }

  console.log('\nsummary');
  const percent = (ratio) => `${(ratio * 100).toFixed(0)} %`;
  const results = [];
  if (runs('create')) {
    const stubRatio = adapterStub.rps / bareStub.rps;
    const sandboxRatio = adapterSandbox.rps / bareSandbox.rps;
    results.push(
      verdict(
        'create throughput (stub Kling)',
        stubRatio >= TARGET_RATIO,
        `${adapterStub.rps} vs bare ${bareStub.rps} req/s = ${percent(stubRatio)} (target ≥ ${TARGET_RATIO * 100} %)`,
      ),
      verdict(
        'create p99 (stub Kling)',
        adapterStub.p99 < TARGET_P99_MS,
        `${adapterStub.p99} ms (target < ${TARGET_P99_MS} ms; bare ${bareStub.p99} ms: 200 connections at ${bareStub.rps} req/s queue for ${Math.round((CONNECTIONS / bareStub.rps) * 1000)} ms on average)`,
      ),
      verdict(
        'create p99 with one connection (stub Kling)',
        adapterStubSingle.p99 < TARGET_P99_MS,
        `${adapterStubSingle.p99} ms (bare ${bareStubSingle.p99} ms)`,
      ),
      verdict(
        'create throughput (sandbox)',
        sandboxRatio >= TARGET_RATIO,
        `${adapterSandbox.rps} vs bare ${bareSandbox.rps} req/s = ${percent(sandboxRatio)}`,
      ),
      verdict(
        'create p99 (sandbox)',
        adapterSandbox.p99 < TARGET_P99_MS,
        `${adapterSandbox.p99} ms (bare ${bareSandbox.p99} ms: the sandbox's own create time at this load)`,
      ),
    );
  }
  if (runs('callback')) {
    const callbackRatio = adapterCallback.rps / bareCallback.rps;
    results.push(
      verdict(
        'callback ingest throughput',
        callbackRatio >= TARGET_RATIO,
        `${adapterCallback.rps} vs bare ${bareCallback.rps} req/s = ${percent(callbackRatio)}`,
      ),
      verdict(
        'callback ingest p99',
        adapterCallback.p99 < TARGET_P99_MS,
        `${adapterCallback.p99} ms (bare ${bareCallback.p99} ms)`,
      ),
    );
  }
  const measured = [adapterStub, adapterSandbox, adapterCallback].filter(Boolean);
  results.push(
    verdict(
      'no errors',
      measured.every((figures) => figures.non2xx + figures.errors === 0),
      measured
        .map((figures) => `${figures.label}: non-2xx ${figures.non2xx}, errors ${figures.errors}`)
        .join('; '),
    ),
  );
  if (runs('deliveries')) {
    results.push(
      verdict(
        'deliveries',
        delivered === expected,
        `${perSecond} deliveries/s sustained to ${SUBSCRIBERS} subscribers`,
      ),
    );
  }
  console.log(`  (framework ceiling on this machine: ${ceiling.rps} req/s for GET /hello)`);

  for (const child of children) child.kill('SIGTERM');
  for (const server of servers) server.close();
  await new Promise((resolve) => setTimeout(resolve, 500));
  // biome-ignore lint/suspicious/noUndeclaredEnvVars: a benchmark option, not a build input
  if (process.env.BENCH_PROFILE) console.log(`CPU profiles: ${join(workDir, 'profiles')}`);
  else rmSync(workDir, { recursive: true, force: true });
  if (flags.storage === 'postgres') {
    const pg = requireFromAdapter('pg');
    const client = new pg.Client({ connectionString: pgUrl });
    await client.connect();
    for (const env of [envA, envB])
      await client.query(`DROP SCHEMA IF EXISTS "${env.DATABASE_SCHEMA}" CASCADE`);
    await client.end();
  }
  process.exit(results.every(Boolean) ? 0 : 1);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
