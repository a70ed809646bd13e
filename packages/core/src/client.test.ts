import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createKlingAvatarClient } from './client.js';
import { KlingApiError, KlingValidationError } from './errors.js';

/**
 * A tiny Kling-shaped server on loopback: enough to prove the client's money rules against real
 * sockets. The full contract is tested against the sandbox package.
 */
interface FakeTask {
  task_id: string;
  task_status: string;
  task_info: { external_task_id?: string };
}

function startFakeKling(behaviour: {
  onCreate?: (
    attempt: number,
    request: IncomingMessage,
    response: ServerResponse,
    commit: () => FakeTask,
  ) => void;
}) {
  const tasks: FakeTask[] = [];
  const requests: string[] = [];
  let creates = 0;
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      requests.push(`${request.method} ${request.url} ${request.headers.authorization ?? ''}`);
      const send = (status: number, payload: unknown) => {
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(JSON.stringify(payload));
      };
      if (request.method === 'POST' && request.url === '/v1/videos/avatar/image2video') {
        const parsed = JSON.parse(body);
        const commit = () => {
          const task = {
            task_id: String(100000000000000000 + tasks.length),
            task_status: 'submitted',
            task_info: { external_task_id: parsed.external_task_id },
          };
          if (tasks.some((existing) => existing.task_info.external_task_id === parsed.external_task_id)) {
            throw Object.assign(new Error('duplicate'), { duplicate: true });
          }
          tasks.push(task);
          return task;
        };
        creates++;
        if (behaviour.onCreate) {
          try {
            return behaviour.onCreate(creates, request, response, commit);
          } catch (error) {
            if ((error as { duplicate?: boolean }).duplicate) {
              return send(400, {
                code: 1201,
                message: `external_task_id already exists: ${parsed.external_task_id}`,
              });
            }
            throw error;
          }
        }
        return send(200, { code: 0, message: 'SUCCEED', request_id: 'r', data: commit() });
      }
      const id = decodeURIComponent(request.url!.split('/').pop()!.split('?')[0]!);
      const found = tasks.find((task) => task.task_id === id || task.task_info.external_task_id === id);
      if (request.method === 'GET' && found) return send(200, { code: 0, message: 'SUCCEED', data: found });
      return send(404, { code: 1203, message: `task not found: ${id}` });
    });
  });
  return new Promise<{ url: string; tasks: FakeTask[]; requests: string[]; close: () => Promise<void> }>(
    (resolve) => {
      server.listen(0, '127.0.0.1', () => {
        const { port } = server.address() as AddressInfo;
        resolve({
          url: `http://127.0.0.1:${port}`,
          tasks,
          requests,
          close: () =>
            new Promise<void>((done) => {
              server.closeAllConnections();
              server.close(() => done());
            }),
        });
      });
    },
  );
}

const request = { image: 'https://example.test/portrait.png', sound_file: 'https://example.test/speech.mp3' };
const noWait = { sleep: async () => {}, random: () => 0 };
let stop: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stop?.();
  stop = undefined;
});

describe('client idempotent create', () => {
  it('commits, drops the connection, then finds the task by external_task_id instead of paying twice', async () => {
    const fake = await startFakeKling({
      onCreate: (attempt, _request, response, commit) => {
        commit();
        if (attempt === 1)
          response.socket?.destroy(); // Committed, but the caller never hears back.
        else response.end(JSON.stringify({ code: 0, message: 'SUCCEED', data: {} }));
      },
    });
    stop = fake.close;
    const client = createKlingAvatarClient({ baseURL: fake.url, apiKey: 'key-123456789', ...noWait });
    const task = await client.createTask(request);
    expect(fake.tasks).toHaveLength(1);
    expect(task.task_id).toBe(fake.tasks[0]!.task_id);
    expect(task.task_info?.external_task_id).toMatch(/^kav-[0-9a-f-]{36}$/);
    expect(fake.requests.filter((line) => line.startsWith('POST'))).toHaveLength(1);
  });

  it('a 5000 with nothing committed is retried once the lookup says 1203', async () => {
    const fake = await startFakeKling({
      onCreate: (attempt, _request, response, commit) => {
        if (attempt === 1) {
          response.writeHead(500, { 'content-type': 'application/json' });
          response.end(JSON.stringify({ code: 5000, message: 'server error' }));
          return;
        }
        const task = commit();
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ code: 0, message: 'SUCCEED', data: task }));
      },
    });
    stop = fake.close;
    const client = createKlingAvatarClient({ baseURL: fake.url, apiKey: 'key-123456789', ...noWait });
    await client.createTask({ ...request, external_task_id: 'job-1' });
    expect(fake.tasks.map((task) => task.task_info.external_task_id)).toEqual(['job-1']);
    expect(fake.requests.map((line) => line.split(' ').slice(0, 2).join(' '))).toEqual([
      'POST /v1/videos/avatar/image2video',
      'GET /v1/videos/avatar/image2video/job-1',
      'POST /v1/videos/avatar/image2video',
    ]);
  });

  it('never retries an out-of-credits 429 (1102), but backs off on 1303', async () => {
    let creates = 0;
    const fake = await startFakeKling({
      onCreate: (_attempt, _request, response, commit) => {
        creates++;
        const out = response.req.headers['x-scenario'] === 'credits';
        if (out || creates < 3) {
          response.writeHead(429, { 'content-type': 'application/json', 'retry-after': '0' });
          response.end(
            JSON.stringify(
              out
                ? { code: 1102, message: 'resource pack exhausted' }
                : { code: 1303, message: 'parallel task over resource pack limit' },
            ),
          );
          return;
        }
        response.end(JSON.stringify({ code: 0, message: 'SUCCEED', data: commit() }));
      },
    });
    stop = fake.close;
    const delays: number[] = [];
    const base = { baseURL: fake.url, apiKey: 'key-123456789', random: () => 1 };
    const client = createKlingAvatarClient({ ...base, sleep: async (ms) => void delays.push(ms) });
    await client.createTask(request);
    expect(creates).toBe(3);
    expect(delays).toEqual([1000, 2000]);

    creates = 0;
    const broke = createKlingAvatarClient({
      ...base,
      headers: { 'x-scenario': 'credits' },
      sleep: async () => {},
    });
    const error = await broke.createTask(request).catch((caught) => caught);
    expect(error).toBeInstanceOf(KlingApiError);
    expect(error).toMatchObject({ code: 1102, statusCode: 429, retryable: false });
    expect(error.message).toMatch(/Out of credits/);
    expect(creates).toBe(1);
  });

  it('refuses a request Kling would reject before sending anything', async () => {
    const fake = await startFakeKling({});
    stop = fake.close;
    const client = createKlingAvatarClient({ baseURL: fake.url, apiKey: 'key-123456789' });
    const error = await client
      .createTask({ image: '', audio_id: 'a', sound_file: 'b' })
      .catch((caught) => caught);
    expect(error).toBeInstanceOf(KlingValidationError);
    expect(error.problems.map((problem: { code: string }) => problem.code)).toEqual([
      'image_missing',
      'audio_source_count',
      'base64_invalid',
    ]);
    expect(fake.requests).toHaveLength(0);
  });

  it('signs with a fresh JWT, and reports unknown tasks as 1203', async () => {
    const fake = await startFakeKling({});
    stop = fake.close;
    const client = createKlingAvatarClient({
      baseURL: fake.url,
      accessKey: 'ak-1234567890',
      secretKey: 'sk-1234567890',
    });
    const error = await client.getTask('nope').catch((caught) => caught);
    expect(error).toMatchObject({ code: 1203, statusCode: 404 });
    expect(fake.requests[0]).toMatch(/Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
    expect(String(client)).not.toContain('sk-1234567890');
  });
});
