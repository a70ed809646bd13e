/**
 * Shared test helpers: configuration, media fixtures made in memory (a real PNG and a real WAV that
 * pass core's inspection and that ffmpeg renders), a recording subscriber, a fake Kling gateway for
 * fast in-process suites, and PostgreSQL schemas per test run.
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CreateTaskRequest, TaskRecord, TtsRequest, TtsTaskRecord } from '@kling-avatar/core';
import { portraitPng, wav } from '@kling-avatar/test-media';
import pg from 'pg';
import { type AdapterConfig, loadConfig } from '../src/config.js';
import { newVideoRow, type VideoRow } from '../src/model.js';
import type { KlingGateway } from '../src/task-sync.js';

export const API_KEY = 'test-key-0123456789abcdef';
export const OTHER_API_KEY = 'other-key-0123456789abcdef';
export const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const tempDirectories: string[] = [];
process.on('exit', () => {
  for (const directory of tempDirectories) rmSync(directory, { recursive: true, force: true });
});

/** A path in a fresh temporary folder, removed when the test process exits. */
export function tempPath(name: string): string {
  const directory = join(tmpdir(), `kav-adapter-${process.pid}-${randomBytes(4).toString('hex')}`);
  tempDirectories.push(directory);
  return join(directory, name);
}

export function testEnv(overrides: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string | undefined> = {
    PUBLIC_BASE_URL: 'http://127.0.0.1:1',
    ADAPTER_API_KEYS: `tests:${API_KEY},other:${OTHER_API_KEY}`,
    KLING_BASE_URL: 'http://127.0.0.1:1',
    KLING_API_KEY: 'sandbox-key',
    SQLITE_PATH: tempPath('adapter.db'),
    OUTBOUND_ALLOWLIST: '127.0.0.1,localhost,::1',
    LOG_LEVEL: 'silent',
    DELIVERY_INITIAL_BACKOFF: '100ms',
    DELIVERY_MAX_BACKOFF: '400ms',
    DELIVERY_POLL_INTERVAL: '50ms',
    DELIVERY_TIMEOUT: '2s',
    DELIVERY_LEASE: '3s',
    RECONCILE_INTERVAL: '100ms',
    RATE_LIMIT_MAX: '100000',
    ...overrides,
  };
  return Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined)) as Record<
    string,
    string
  >;
}

export function testConfig(overrides: Record<string, string | undefined> = {}): AdapterConfig {
  return loadConfig(testEnv(overrides));
}

// ---------------------------------------------------------------------------------------------------
// Media fixtures

/** A portrait PNG, default 400×500. */
export const makePng = (width = 400, height = 500): Buffer => portraitPng(width, height);
/** A 16-bit mono PCM WAV of a warbling tone, default 2.5 s at 16 kHz. */
export const makeWav = (seconds = 2.5, sampleRate = 16000): Buffer =>
  wav(seconds, { sampleRate, warble: true });

export const PNG_BASE64 = makePng().toString('base64');
export const WAV_BASE64 = makeWav().toString('base64');

// ---------------------------------------------------------------------------------------------------
// A subscriber that records deliveries

export interface ReceivedDelivery {
  headers: IncomingHttpHeaders;
  body: string;
  path: string;
  at: number;
}

export interface Subscriber {
  url: string;
  port: number;
  received: ReceivedDelivery[];
  /** Decide the answer per request (default 200). */
  respond: (
    delivery: ReceivedDelivery,
  ) => number | { status: number; headers?: Record<string, string>; delayMs?: number };
  waitFor(predicate: (received: ReceivedDelivery[]) => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startSubscriber(port = 0): Promise<Subscriber> {
  const received: ReceivedDelivery[] = [];
  const subscriber: Subscriber = {
    url: '',
    port: 0,
    received,
    respond: () => 200,
    waitFor: (predicate, timeoutMs = 20_000) => waitUntil(() => predicate(received), timeoutMs),
    close: async () => {},
  };
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const delivery: ReceivedDelivery = {
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        path: request.url ?? '/',
        at: Date.now(),
      };
      received.push(delivery);
      const answer = subscriber.respond(delivery);
      const { status, headers, delayMs } =
        typeof answer === 'number' ? { status: answer, headers: {}, delayMs: 0 } : answer;
      setTimeout(() => {
        response.writeHead(status, { 'content-type': 'text/plain', ...headers });
        response.end('ok');
      }, delayMs ?? 0);
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const address = server.address() as AddressInfo;
  subscriber.port = address.port;
  subscriber.url = `http://127.0.0.1:${address.port}`;
  subscriber.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return subscriber;
}

export async function waitUntil(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 20_000,
  stepMs = 25,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, stepMs));
  }
}

// ---------------------------------------------------------------------------------------------------
// A fake Kling gateway (for in-process suites that do not need real renders)

export interface FakeKling extends KlingGateway {
  tasks: Map<string, TaskRecord>;
  creates: CreateTaskRequest[];
  /** Move a task on (by task id) and return its record. */
  advance(taskId: string, status: TaskRecord['task_status'], extra?: Partial<TaskRecord>): TaskRecord;
  failNextCreate?: Error;
}

export function fakeKling(): FakeKling {
  let counter = 0;
  const tasks = new Map<string, TaskRecord>();
  const creates: CreateTaskRequest[] = [];
  const fake: FakeKling = {
    tasks,
    creates,
    async createTask(request) {
      if (fake.failNextCreate) {
        const error = fake.failNextCreate;
        fake.failNextCreate = undefined;
        throw error;
      }
      creates.push(request);
      const now = Date.now();
      const record: TaskRecord = {
        task_id: String(860000000000000000n + BigInt(++counter)),
        task_status: 'submitted',
        task_status_msg: '',
        task_info: { external_task_id: request.external_task_id },
        created_at: now,
        updated_at: now,
      };
      tasks.set(record.task_id, record);
      return structuredClone(record);
    },
    async getTask(id) {
      const record =
        tasks.get(id) ?? [...tasks.values()].find((task) => task.task_info?.external_task_id === id);
      if (!record) {
        const { KlingApiError } = await import('@kling-avatar/core');
        throw new KlingApiError({ statusCode: 404, code: 1203, apiMessage: `task not found: ${id}` });
      }
      return structuredClone(record);
    },
    async createTts(_request: TtsRequest): Promise<TtsTaskRecord> {
      return {
        task_id: `tts-${++counter}`,
        task_status: 'succeed',
        task_result: { audios: [{ id: `audio-${counter}`, url: 'http://127.0.0.1/a.mp3', duration: '3.2' }] },
      };
    },
    advance(taskId, status, extra = {}) {
      const record = tasks.get(taskId);
      if (!record) throw new Error(`no task ${taskId}`);
      Object.assign(record, { task_status: status, updated_at: Date.now() }, extra);
      if (status === 'succeed' && !record.task_result) {
        record.task_result = {
          videos: [{ id: `v-${taskId}`, url: `https://cdn.example/${taskId}.mp4`, duration: '2.50' }],
        };
        record.final_unit_deduction = '1.2';
      }
      return structuredClone(record);
    },
  };
  return fake;
}

// ---------------------------------------------------------------------------------------------------
// PostgreSQL

let pgChecked: Promise<boolean> | undefined;

/** Whether the test PostgreSQL is reachable (CI and the dev machine run one on 127.0.0.1:5432). */
export function postgresAvailable(): Promise<boolean> {
  pgChecked ??= (async () => {
    const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return true;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => {});
    }
  })();
  return pgChecked;
}

/** A fresh schema name for one test run. */
export function uniqueSchema(label: string): string {
  return `kav_test_${label}_${process.pid}_${randomBytes(4).toString('hex')}`.toLowerCase();
}

/** A video row as the create route first writes it (status `creating`), with `overrides`. */
export function testVideo(overrides: Partial<VideoRow> = {}): VideoRow {
  const now = overrides.createdAt ?? Date.now();
  return newVideoRow(
    { owner: 'tests', callbackTokenHash: '0'.repeat(64), updatedAt: now, ...overrides },
    now,
  );
}
