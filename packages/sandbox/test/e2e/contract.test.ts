/**
 * Contract tests: core's client and raw HTTP against a real sandbox on loopback, for every endpoint and
 * every error row of the API reference §6 the sandbox can produce, with §11's exact messages.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  createKlingAvatarClient,
  KlingApiError,
  KlingTaskFailedError,
  mintJwt,
  validateCreateTask,
} from '@kling-avatar/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../src/server/sandbox.js';
import { makeTestMedia, probeVideo, type TestMedia } from '../helpers.js';

let sandbox: Sandbox;
let media: TestMedia;
const b64 = (bytes: Buffer) => bytes.toString('base64');

beforeAll(async () => {
  media = makeTestMedia();
  sandbox = await startSandbox({ timings: { submittedMs: 50, processingMs: 100 }, concurrency: 50 });
});
afterAll(async () => {
  await sandbox?.stop();
});

const tasksUrl = () => `${sandbox.url}/v1/videos/avatar/image2video`;
const bearer = () => ({ authorization: `Bearer ${sandbox.credentials.apiKey}` });

async function post(body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(tasksUrl(), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...bearer(), ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return {
    status: response.status,
    json: (await response.json()) as { code: number; message: string; data?: { task_status?: string } },
  };
}

const client = () =>
  createKlingAvatarClient({
    baseURL: sandbox.url,
    apiKey: sandbox.credentials.apiKey,
    retry: { initialDelayMs: 10 },
  });

describe('authentication (§2, §11)', () => {
  it('answers every auth row with its status and code', async () => {
    const get = (authorization?: string) =>
      fetch(`${tasksUrl()}?pageSize=1`, { headers: authorization ? { authorization } : {} }).then(
        async (response) => ({
          status: response.status,
          code: ((await response.json()) as { code: number }).code,
        }),
      );
    const { accessKey, secretKey } = sandbox.credentials;
    const nowSeconds = Math.floor(Date.now() / 1000);
    expect(await get()).toEqual({ status: 401, code: 1001 });
    expect(await get(`Token ${sandbox.credentials.apiKey}`)).toEqual({ status: 401, code: 1002 });
    expect(await get('Bearer wrong-key')).toEqual({ status: 401, code: 1000 });
    expect(await get(`Bearer ${mintJwt({ accessKey, secretKey: 'bad', nowSeconds }).token}`)).toEqual({
      status: 401,
      code: 1000,
    });
    expect(await get(`Bearer ${mintJwt({ accessKey: 'unknown', secretKey, nowSeconds }).token}`)).toEqual({
      status: 401,
      code: 1000,
    });
    expect(
      await get(`Bearer ${mintJwt({ accessKey, secretKey, nowSeconds: nowSeconds + 60 }).token}`),
    ).toEqual({ status: 401, code: 1003 });
    expect(
      await get(`Bearer ${mintJwt({ accessKey, secretKey, nowSeconds: nowSeconds - 2000 }).token}`),
    ).toEqual({ status: 401, code: 1004 });
    expect(await get(`Bearer ${mintJwt({ accessKey, secretKey, nowSeconds }).token}`)).toEqual({
      status: 200,
      code: 0,
    });
  });

  it('works end to end with both schemes through the client', async () => {
    const jwtClient = createKlingAvatarClient({
      baseURL: sandbox.url,
      accessKey: sandbox.credentials.accessKey,
      secretKey: sandbox.credentials.secretKey,
    });
    await expect(jwtClient.listTasks({ pageSize: 1 })).resolves.toBeInstanceOf(Array);
    await expect(client().listTasks({ pageSize: 1 })).resolves.toBeInstanceOf(Array);
  });
});

/** A long image whose one bad character sits where core's default (sampled) base64 check does not look. */
function imageWithHiddenBadChar(): string {
  const image = b64(Buffer.concat([media.portraitPng, Buffer.alloc(400_000, 0x5a)]));
  for (let at = 100_000; at < image.length - 40_000; at += 1_001) {
    const corrupted = `${image.slice(0, at)}!${image.slice(at + 1)}`;
    if (validateCreateTask({ image: corrupted, audio_id: 'a' }).ok) return corrupted;
  }
  throw new Error('every position was sampled');
}

describe('create validation (§11 table, first failure wins)', () => {
  const valid = () => ({ image: b64(media.portraitPng), sound_file: b64(media.speechWav) });
  const cases: [string, () => unknown, number, string][] = [
    ['non-JSON body', () => 'not json', 1200, 'invalid request parameters'],
    ['array body', () => [], 1200, 'invalid request parameters'],
    ['missing image', () => ({ sound_file: b64(media.speechWav) }), 1201, 'image can not be null'],
    [
      'data: prefix',
      () => ({ ...valid(), image: `data:image/png;base64,${b64(media.portraitPng)}` }),
      1201,
      'File is not in a valid base64 format',
    ],
    [
      'invalid base64',
      () => ({ ...valid(), image: 'not base64!!' }),
      1201,
      'File is not in a valid base64 format',
    ],
    [
      'one bad character deep inside long base64 (the sandbox checks every character)',
      () => ({ ...valid(), image: imageWithHiddenBadChar() }),
      1201,
      'File is not in a valid base64 format',
    ],
    [
      'unreachable URL',
      () => ({ ...valid(), image: 'http://127.0.0.1:9/portrait.png' }),
      1201,
      'image url can not be accessed',
    ],
    [
      'GIF image',
      () => ({ ...valid(), image: b64(media.gif) }),
      1201,
      'image format must be jpg, jpeg or png',
    ],
    [
      'image side 299 px',
      () => ({ ...valid(), image: b64(media.smallPng) }),
      1201,
      'image width and height must be at least 300px',
    ],
    [
      'aspect 2.52:1',
      () => ({ ...valid(), image: b64(media.widePng) }),
      1201,
      'image aspect ratio must be between 1:2.5 and 2.5:1',
    ],
    [
      'both audio fields',
      () => ({ ...valid(), audio_id: 'x' }),
      1201,
      'exactly one of audio_id and sound_file must be provided',
    ],
    [
      'neither audio field',
      () => ({ image: b64(media.portraitPng) }),
      1201,
      'exactly one of audio_id and sound_file must be provided',
    ],
    [
      'unknown audio_id',
      () => ({ image: b64(media.portraitPng), audio_id: 'nope' }),
      1201,
      'audio_id is invalid or expired',
    ],
    [
      'audio not audio',
      () => ({ ...valid(), sound_file: b64(media.portraitPng) }),
      1201,
      'sound_file format must be mp3, wav, m4a or aac',
    ],
    [
      'audio 1.5 s',
      () => ({ ...valid(), sound_file: b64(media.shortWav) }),
      1201,
      'sound_file duration must be between 2s and 300s',
    ],
    [
      'prompt 2501 chars',
      () => ({ ...valid(), prompt: 'a'.repeat(2501) }),
      1201,
      'prompt length must not exceed 2500 characters',
    ],
    ['bad mode', () => ({ ...valid(), mode: 'max' }), 1201, 'mode must be one of std, pro'],
    [
      'bad watermark',
      () => ({ ...valid(), watermark_info: { enabled: 'yes' } }),
      1201,
      'watermark_info.enabled must be a boolean',
    ],
    [
      'bad callback',
      () => ({ ...valid(), callback_url: 'ftp://x' }),
      1201,
      'callback_url must be an absolute http or https URL',
    ],
  ];
  it.each(cases)('%s', async (_name, body, code, message) => {
    const { status, json } = await post(body());
    expect(status).toBe(400);
    expect(json).toMatchObject({ code, message });
    expect(json.data ?? undefined).toBeUndefined();
  });

  it('refuses a non-JSON content type with 1200', async () => {
    const { status, json } = await post(valid(), { 'content-type': 'text/plain' });
    expect([status, json.code]).toEqual([400, 1200]);
  });

  it('refuses a duplicate external_task_id with its value', async () => {
    const first = await post({ ...valid(), external_task_id: 'dup-1' });
    expect(first.status).toBe(200);
    const second = await post({ ...valid(), external_task_id: 'dup-1' });
    expect(second).toMatchObject({
      status: 400,
      json: { code: 1201, message: 'external_task_id already exists: dup-1' },
    });
  });

  it('accepts URL media by fetching it', async () => {
    const { createServer } = await import('node:http');
    const server = createServer((request, response) => {
      const body = request.url === '/p.png' ? media.portraitPng : media.speechWav;
      response.end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const { status, json } = await post({
      image: `http://127.0.0.1:${port}/p.png`,
      sound_file: `http://127.0.0.1:${port}/s`,
    });
    server.close();
    expect(status).toBe(200);
    expect(json.data?.task_status).toBe('submitted');
  });
});

describe('lifecycle, query and rendering', () => {
  it('runs submitted → processing → succeed and renders an MP4 as long as the audio (std 1280×720)', async () => {
    const progress: string[] = [];
    const kling = client();
    const created = await kling.createTask({
      image: b64(media.portraitPng),
      sound_file: b64(media.speechWav),
      external_task_id: 'life-1',
    });
    expect(created).toMatchObject({
      task_status: 'submitted',
      task_status_msg: '',
      task_info: { external_task_id: 'life-1' },
    });
    expect(created.task_id).toMatch(/^\d{18}$/);
    expect(created.task_result).toBeUndefined();
    const done = await kling.waitForTask(created.task_id, {
      pollIntervalMs: 50,
      onProgress: (t) => progress.push(t.task_status),
    });
    expect(progress.at(-1)).toBe('succeed');
    expect(done.final_unit_deduction).toBe('1.2'); // 2.6 s → 3 s × 0.4
    expect(done.watermark_info).toEqual({ enabled: false });
    expect(done.task_result?.videos).toHaveLength(1);
    expect(done.task_result?.videos?.[0]?.duration).toBe('2.60');
    expect(done.task_result?.videos?.[0]?.watermark_url).toBeUndefined();
    expect((await kling.getTask('life-1')).task_id).toBe(created.task_id);

    const file = path.join(media.dir, 'life-1.mp4');
    writeFileSync(file, await kling.downloadVideoBytes(done));
    const probed = probeVideo(file);
    expect(probed.streams.map((stream) => stream.codec_name).sort()).toEqual(['aac', 'h264']);
    expect(probed.streams.find((stream) => stream.codec_type === 'video')).toMatchObject({
      width: 1280,
      height: 720,
    });
    expect(Math.abs(probed.durationSeconds - media.speechSeconds)).toBeLessThanOrEqual(0.1);
  });

  it('TTS → audio_id → a pro task with watermark (1920×1080, two different files)', async () => {
    const kling = client();
    const tts = await kling.createTts({
      text: 'Hello from the sandbox, this is a test.',
      voice_id: 'oversea_male1',
      voice_language: 'en',
    });
    const audio = tts.task_result?.audios?.[0];
    expect(audio?.duration).toBe('2.60'); // 39 characters ÷ 15 per second
    expect(tts.final_unit_deduction).toBe('0.05');
    const done = await kling.createAndWait(
      { image: b64(media.portraitPng), audio_id: audio!.id, mode: 'pro', watermark_info: { enabled: true } },
      { pollIntervalMs: 50 },
    );
    const video = done.task_result!.videos![0]!;
    expect(video.watermark_url).toBeDefined();
    expect(done.final_unit_deduction).toBe('2.4');
    const clean = path.join(media.dir, 'pro.mp4');
    writeFileSync(clean, await kling.downloadVideoBytes(done));
    expect(probeVideo(clean).streams.find((stream) => stream.codec_type === 'video')).toMatchObject({
      width: 1920,
      height: 1080,
    });
    const marked = await kling.downloadVideoBytes(done, { watermarked: true });
    expect(Buffer.compare(Buffer.from(marked), Buffer.from(await kling.downloadVideoBytes(done)))).not.toBe(
      0,
    );
  });

  it('fails a task on request with the content-safety message, surfaced by the client', async () => {
    const kling = createKlingAvatarClient({
      baseURL: sandbox.url,
      apiKey: sandbox.credentials.apiKey,
      headers: { 'x-sandbox-fault': 'fail-task=content risk control triggered' },
    });
    const error = await kling
      .createAndWait(
        { image: b64(media.portraitPng), sound_file: b64(media.speechWav) },
        { pollIntervalMs: 50 },
      )
      .catch((caught) => caught);
    expect(error).toBeInstanceOf(KlingTaskFailedError);
    expect(error.taskStatusMessage).toBe('content risk control triggered');
    const failed = await kling.getTask(error.taskId);
    expect(failed.final_unit_deduction).toBeUndefined();
    expect(failed.task_result).toBeUndefined();
  });

  it('GET of an unknown id is 404/1203 naming the id', async () => {
    const response = await fetch(`${tasksUrl()}/999`, { headers: bearer() });
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ code: 1203, message: 'task not found: 999' });
  });
});

describe('list and routing', () => {
  it('pages newest first, [] past the end, 400 naming a bad parameter', async () => {
    const kling = client();
    const all: string[] = [];
    for await (const task of kling.iterateTasks({ pageSize: 2 })) all.push(task.task_id);
    expect(all.length).toBeGreaterThanOrEqual(3);
    const pageOne = await kling.listTasks({ pageNum: 1, pageSize: 2 });
    expect(pageOne.map((task) => task.task_id)).toEqual(all.slice(0, 2));
    const created = pageOne.map((task) => task.created_at!);
    expect(created[0]).toBeGreaterThanOrEqual(created[1]!);
    expect(await kling.listTasks({ pageNum: 1000, pageSize: 500 })).toEqual([]);
    for (const query of ['pageNum=0', 'pageNum=1001', 'pageSize=501', 'pageSize=abc', 'pageNum=1.5']) {
      const response = await fetch(`${tasksUrl()}?${query}`, { headers: bearer() });
      const body = (await response.json()) as { code: number; message: string };
      expect([response.status, body.code], query).toEqual([400, 1201]);
      expect(body.message).toMatch(query.startsWith('pageNum') ? /pageNum.*1.*1000/ : /pageSize.*1.*500/);
    }
  });

  it('answers 1202 for a wrong method and 1203 for unknown paths', async () => {
    const wrong = await fetch(`${tasksUrl()}/123`, { method: 'DELETE', headers: bearer() });
    expect([wrong.status, ((await wrong.json()) as { code: number }).code]).toEqual([404, 1202]);
    for (const unknown of ['/v1/tasks', '/tasks', '/v1/videos/avatar']) {
      const response = await fetch(`${sandbox.url}${unknown}`, { headers: bearer() });
      expect([response.status, ((await response.json()) as { code: number }).code], unknown).toEqual([
        404, 1203,
      ]);
    }
  });
});

describe('fault injection', () => {
  it('answers the requested business code with its HTTP status', async () => {
    for (const [code, status] of [
      [1102, 429],
      [5000, 500],
      [5001, 503],
      [5002, 504],
      [1303, 429],
    ] as const) {
      const response = await fetch(`${tasksUrl()}?pageSize=1`, {
        headers: { ...bearer(), 'x-sandbox-fault': `error=${code}` },
      });
      expect([response.status, ((await response.json()) as { code: number }).code]).toEqual([status, code]);
    }
  });

  it('delays a response on request, server-wide faults apply to every request', async () => {
    const started = performance.now();
    const delayed = await fetch(`${tasksUrl()}?pageSize=1`, {
      headers: { ...bearer(), 'x-sandbox-fault': 'delay=300' },
    });
    expect(delayed.status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    sandbox.setFaults({ error: 5001 });
    try {
      const response = await fetch(`${tasksUrl()}?pageSize=1`, { headers: bearer() });
      expect([response.status, ((await response.json()) as { code: number }).code]).toEqual([503, 5001]);
    } finally {
      sandbox.setFaults({});
    }
  });

  it('out of credits (1102) reaches the client as a plain, non-retried error', async () => {
    const kling = createKlingAvatarClient({
      baseURL: sandbox.url,
      apiKey: sandbox.credentials.apiKey,
      headers: { 'x-sandbox-fault': 'error=1102' },
    });
    const before = sandbox.stats().createRequests;
    const error = await kling
      .createTask({ image: b64(media.portraitPng), sound_file: b64(media.speechWav) })
      .catch((e) => e);
    expect(error).toBeInstanceOf(KlingApiError);
    expect(error.message).toMatch(/Out of credits/);
    expect(sandbox.stats().createRequests - before).toBe(1);
  });

  it('drop-after-commit: the client recovers the task by external id and exactly one task exists', async () => {
    const kling = createKlingAvatarClient({
      baseURL: sandbox.url,
      apiKey: sandbox.credentials.apiKey,
      headers: { 'x-sandbox-fault': 'drop-after-commit' },
      retry: { initialDelayMs: 10 },
    });
    const before = sandbox.stats().creates;
    const task = await kling.createTask({
      image: b64(media.portraitPng),
      sound_file: b64(media.speechWav),
      external_task_id: 'drop-1',
    });
    expect(task.task_info?.external_task_id).toBe('drop-1');
    expect(sandbox.stats().creates - before).toBe(1);
    const all = [];
    for await (const listed of client().iterateTasks())
      if (listed.task_info?.external_task_id === 'drop-1') all.push(listed);
    expect(all).toHaveLength(1);
  });
});
