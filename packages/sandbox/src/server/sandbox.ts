/**
 * The sandbox server: Kling's Avatar API on a loopback port, answering as §1–§9 of the API reference
 * say and as §11 decides where Kling is silent. Every rule (limits, validation messages, error codes,
 * JWTs, signatures, prices) comes from `@kling-avatar/core`, so client and server cannot disagree.
 */
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { createReadStream, statSync, writeFileSync } from 'node:fs';
import { copyFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  API_MESSAGES,
  apiErrorCode,
  decodeBase64,
  estimateUnits,
  formatUnits,
  KLING_ERROR_CODES,
  LIMITS,
  looksLikeJwt,
  OUTPUT_RESOLUTION,
  PATHS,
  type TaskRecord,
  TTS_PRICE_UNITS,
  validateCreateTaskAsync,
  validateListQuery,
  validateTtsRequest,
  verifyJwt,
} from '@kling-avatar/core';
import { resolveFfmpeg } from '../render/ffmpeg-path.js';
import { RenderQueue } from '../render/render-queue.js';
import { renderAvatarVideo } from '../render/render-video.js';
import { CallbackDispatcher, type DeliveryAttempt } from './callback-dispatcher.js';
import {
  BodyTooLargeError,
  isJsonContentType,
  readBody,
  sendData,
  sendError,
  sendJson,
} from './http-utils.js';
import {
  type FaultSpec,
  parseFaults,
  resolveOptions,
  type SandboxCredentials,
  type SandboxOptions,
} from './options.js';
import { SandboxStore, type StoredTask } from './store.js';
import { synthesiseSpeechWav, ttsDurationSeconds } from './tts-audio.js';

/** Room for a 10 MB image and a 5 MB audio as base64 (×4/3) plus the other fields. */
const MAX_BODY_BYTES = Math.ceil(((LIMITS.image.maxBytes + LIMITS.audio.maxBytes) * 4) / 3) + 1024 * 1024;
const WATERMARK_TEXT = 'KLING AVATAR · SANDBOX';

export interface SandboxStats {
  /** Create requests that made a task. */
  creates: number;
  /** Every create request received, accepted or not. */
  createRequests: number;
  tasks: number;
  running: number;
  renders: number;
  ttsCalls: number;
}

export interface Sandbox {
  /** Base URL for clients, e.g. `http://127.0.0.1:43123`. */
  url: string;
  credentials: SandboxCredentials;
  ffmpeg: { path: string; source: string };
  stats(): SandboxStats;
  /** Every callback delivery attempt so far. */
  callbackAttempts(): readonly DeliveryAttempt[];
  /** Resolves when no callback delivery is pending. */
  callbacksIdle(): Promise<void>;
  /** Replace the server-wide faults. */
  setFaults(faults: FaultSpec): void;
  stop(): Promise<void>;
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const settings = resolveOptions(options);
  const ffmpeg = resolveFfmpeg();
  const store = await SandboxStore.open(settings.dataDir);
  const renderQueue = new RenderQueue({ concurrency: settings.renderConcurrency });
  const callbacks = new CallbackDispatcher({
    secret: settings.callbackSecret,
    retries: settings.callbackRetries,
    initialDelayMs: settings.callbackInitialDelayMs,
    timeoutMs: settings.callbackTimeoutMs,
    now: settings.now,
    log: settings.log,
  });
  const lifecycle = new AbortController();
  // Every task in flight waits on this signal: more than Node's default of 10 listeners is normal.
  setMaxListeners(0, lifecycle.signal);
  const secretsByAccessKey = new Map(settings.accessKeys.map((pair) => [pair.accessKey, pair.secretKey]));
  const apiKeys = new Set(settings.apiKeys);
  let serverFaults = settings.faults;
  const stats = { creates: 0, createRequests: 0, renders: 0, ttsCalls: 0 };
  let baseUrl = '';

  const now = settings.now;

  function authenticate(header: string | undefined): { code: number; message: string } | undefined {
    if (!header) return { code: 1001, message: 'Authorization is empty' };
    const match = /^Bearer (\S+)$/.exec(header);
    if (!match) return { code: 1002, message: 'Authorization is invalid' };
    const credential = match[1]!;
    if (apiKeys.has(credential)) return undefined;
    if (!looksLikeJwt(credential)) return { code: 1000, message: 'Authentication failed' };
    const result = verifyJwt(credential, {
      secretForAccessKey: (accessKey) => secretsByAccessKey.get(accessKey),
      nowSeconds: Math.floor(now() / 1000),
    });
    return result.ok ? undefined : { code: result.code, message: `Authentication failed: ${result.reason}` };
  }

  function notify(task: StoredTask): void {
    if (task.callbackUrl) callbacks.enqueue(task.callbackUrl, structuredClone(task.record));
  }

  function update(task: StoredTask, changes: Partial<TaskRecord>): void {
    Object.assign(task.record, changes, { updated_at: Math.max(now(), (task.record.updated_at ?? 0) + 1) });
    store.saveTask(task);
    notify(task);
  }

  async function runLifecycle(task: StoredTask): Promise<void> {
    const signal = lifecycle.signal;
    try {
      if (task.record.task_status === 'submitted') {
        await sleep(settings.submittedMs, undefined, { signal });
        update(task, { task_status: 'processing' });
      }
      const minimum = sleep(settings.processingMs, undefined, { signal });
      minimum.catch(() => {}); // Awaited below; a stop while rendering must not leave it unhandled.
      if (task.failMessage) {
        await minimum;
        update(task, { task_status: 'failed', task_status_msg: task.failMessage });
        return;
      }
      const watermark = task.record.watermark_info?.enabled === true;
      await renderQueue.enqueue(async (renderSignal) => {
        const folder = store.folderFor(task.record.task_id);
        const size = OUTPUT_RESOLUTION[task.mode];
        const common = {
          imagePath: task.imageFile,
          audioPath: task.audioFile,
          ...size,
          durationSeconds: task.audioSeconds,
          signal: AbortSignal.any([renderSignal, signal]),
        };
        task.videoFile = path.join(folder, 'video.mp4');
        await renderAvatarVideo({ ...common, outputPath: task.videoFile });
        stats.renders++;
        if (watermark) {
          task.watermarkFile = path.join(folder, 'video-watermark.mp4');
          await renderAvatarVideo({
            ...common,
            outputPath: task.watermarkFile,
            watermarkText: WATERMARK_TEXT,
          });
          stats.renders++;
        }
      });
      await minimum;
      const taskId = task.record.task_id;
      update(task, {
        task_status: 'succeed',
        task_result: {
          videos: [
            {
              id: randomUUID(),
              url: `${baseUrl}/media/videos/${taskId}.mp4`,
              ...(watermark ? { watermark_url: `${baseUrl}/media/videos/${taskId}-watermark.mp4` } : {}),
              duration: task.audioSeconds.toFixed(2),
            },
          ],
        },
        final_unit_deduction: formatUnits(estimateUnits(task.audioSeconds, task.mode)),
      });
    } catch (error) {
      if (signal.aborted) return; // Stopping: the task resumes on the next start when a data dir is kept.
      update(task, {
        task_status: 'failed',
        task_status_msg: `render failed: ${(error as Error).message.slice(0, 300)}`,
      });
    }
  }

  async function handleCreate(
    request: IncomingMessage,
    response: ServerResponse,
    faults: FaultSpec,
  ): Promise<void> {
    const body = await readJsonBody(request, response);
    if (body === undefined) return;
    const validation = await validateCreateTaskAsync(body, {
      probeUrls: true,
      fetch,
      timeoutMs: settings.urlFetchTimeoutMs,
      base64Check: 'full', // the sandbox plays the API: every character counts
      audioIdExists: (id) => store.findAudio(id, now()) !== undefined,
      externalTaskIdExists: (id) => store.hasExternalId(id, now()),
    });
    const problem = validation.problems[0];
    if (problem) return sendError(response, apiErrorCode(problem.code), problem.apiMessage);
    if (store.runningCount(now()) >= settings.concurrency) {
      return sendError(response, 1303, 'parallel task over resource pack limit');
    }

    const request_ = body as Record<string, unknown>;
    const taskId = newTaskId();
    const folder = store.folderFor(taskId);
    const imageFile = path.join(folder, 'image');
    writeFileSync(imageFile, validation.downloads?.image ?? decodeBase64(String(request_.image)));
    const audioFile = path.join(folder, 'audio');
    let audioSeconds: number;
    if (typeof request_.audio_id === 'string') {
      const audio = store.findAudio(request_.audio_id, now())!;
      await copyFile(audio.file, audioFile);
      audioSeconds = audio.durationSeconds;
    } else {
      writeFileSync(audioFile, validation.downloads?.sound_file ?? decodeBase64(String(request_.sound_file)));
      audioSeconds = validation.audio?.durationSeconds ?? 0;
    }
    const createdAt = now();
    const externalTaskId =
      typeof request_.external_task_id === 'string' ? request_.external_task_id : undefined;
    const task: StoredTask = {
      record: {
        task_id: taskId,
        task_status: 'submitted',
        task_status_msg: '',
        task_info: externalTaskId ? { external_task_id: externalTaskId } : {},
        watermark_info: {
          enabled: (request_.watermark_info as { enabled?: boolean } | undefined)?.enabled === true,
        },
        created_at: createdAt,
        updated_at: createdAt,
      },
      mode: request_.mode === 'pro' ? 'pro' : 'std',
      callbackUrl: typeof request_.callback_url === 'string' ? request_.callback_url : undefined,
      failMessage: faults.failTask,
      imageFile,
      audioFile,
      audioSeconds: Math.round(audioSeconds * 100) / 100,
    };
    store.saveTask(task);
    stats.creates++;
    if (faults.dropAfterCommit) {
      // The task exists, but the caller never hears so: proves the client's idempotent create.
      request.socket.destroy();
    } else {
      sendData(response, task.record);
    }
    notify(task);
    void runLifecycle(task);
  }

  async function handleTts(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readJsonBody(request, response);
    if (body === undefined) return;
    const validation = validateTtsRequest(body);
    const problem = validation.problems[0];
    if (problem) return sendError(response, apiErrorCode(problem.code), problem.apiMessage);
    const { text, voice_speed: speed } = validation.value!;
    const durationSeconds = ttsDurationSeconds(text, speed);
    const audioId = randomUUID();
    const file = path.join(store.folderFor(`tts-${audioId}`), 'speech.wav');
    writeFileSync(file, synthesiseSpeechWav(durationSeconds, text));
    store.saveAudio({ id: audioId, file, durationSeconds, createdAt: now() });
    stats.ttsCalls++;
    const createdAt = now();
    sendData(response, {
      task_id: newTaskId(),
      task_status: 'succeed',
      task_status_msg: '',
      task_result: {
        audios: [
          { id: audioId, url: `${baseUrl}/media/audio/${audioId}.wav`, duration: durationSeconds.toFixed(2) },
        ],
      },
      final_unit_deduction: formatUnits(TTS_PRICE_UNITS),
      created_at: createdAt,
      updated_at: createdAt,
    });
  }

  function handleList(url: URL, response: ServerResponse): void {
    const query = validateListQuery({
      pageNum: url.searchParams.get('pageNum') ?? undefined,
      pageSize: url.searchParams.get('pageSize') ?? undefined,
    });
    const problem = query.problems[0];
    if (problem) return sendError(response, apiErrorCode(problem.code), problem.apiMessage);
    const { pageNum, pageSize } = query;
    const page = store.listTasks(now()).slice((pageNum - 1) * pageSize, pageNum * pageSize);
    sendData(
      response,
      page.map((task) => task.record),
    );
  }

  function handleGet(id: string, response: ServerResponse): void {
    const task = store.findTask(id, now());
    if (!task) return sendError(response, 1203, `task not found: ${id}`);
    sendData(response, task.record);
  }

  function serveMedia(pathname: string, request: IncomingMessage, response: ServerResponse): void {
    const video = /^\/media\/videos\/(\d+)(-watermark)?\.mp4$/.exec(pathname);
    const audio = /^\/media\/audio\/([0-9a-f-]+)\.wav$/.exec(pathname);
    let file: string | undefined;
    let type = 'video/mp4';
    if (video) {
      const task = store.findTask(video[1]!, now());
      file =
        task?.record.task_status === 'succeed' ? (video[2] ? task.watermarkFile : task.videoFile) : undefined;
    } else if (audio) {
      file = store.findAudio(audio[1]!, now())?.file;
      type = 'audio/wav';
    }
    if (!file) return sendJson(response, 404, { code: 1203, message: 'resource does not exist' });
    streamFile(file, type, request, response);
  }

  async function readJsonBody(request: IncomingMessage, response: ServerResponse): Promise<unknown> {
    let raw: Buffer;
    try {
      raw = await readBody(request, MAX_BODY_BYTES);
    } catch (error) {
      if (error instanceof BodyTooLargeError) {
        sendError(response, 1200, 'invalid request parameters: request body too large');
        return undefined;
      }
      throw error;
    }
    if (!isJsonContentType(request.headers['content-type'])) {
      sendError(response, 1200, API_MESSAGES.bodyInvalid);
      return undefined;
    }
    try {
      const body = JSON.parse(raw.toString('utf8'));
      if (body && typeof body === 'object' && !Array.isArray(body)) return body;
    } catch {
      // Falls through to the same answer as a non-object body.
    }
    sendError(response, 1200, API_MESSAGES.bodyInvalid);
    return undefined;
  }

  async function route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://sandbox.invalid');
    const pathname = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, '') : url.pathname;
    const method = request.method ?? 'GET';
    if (pathname.startsWith('/media/') && (method === 'GET' || method === 'HEAD')) {
      return serveMedia(pathname, request, response);
    }
    if (pathname === '/healthz') return sendJson(response, 200, { ok: true });

    const taskPath =
      pathname.startsWith(`${PATHS.avatarTasks}/`) &&
      !pathname.slice(PATHS.avatarTasks.length + 1).includes('/');
    const known = pathname === PATHS.avatarTasks || pathname === PATHS.tts || taskPath;
    if (!known) return sendError(response, 1203, 'resource does not exist');
    const allowed =
      (pathname === PATHS.avatarTasks && (method === 'POST' || method === 'GET')) ||
      (pathname === PATHS.tts && method === 'POST') ||
      (taskPath && method === 'GET');
    if (!allowed) return sendError(response, 1202, 'invalid request method');

    const authFailure = authenticate(request.headers.authorization);
    if (authFailure) {
      request.resume();
      return sendError(response, authFailure.code, authFailure.message);
    }
    if (pathname === PATHS.avatarTasks && method === 'POST') stats.createRequests++;
    const faults = { ...serverFaults, ...parseFaults(headerText(request.headers['x-sandbox-fault'])) };
    if (faults.delayMs) await sleep(faults.delayMs, undefined, { signal: lifecycle.signal }).catch(() => {});
    if (faults.error !== undefined) {
      request.resume();
      const info = KLING_ERROR_CODES[faults.error];
      return sendError(response, faults.error, info ? info.meaning.toLowerCase() : 'sandbox fault');
    }

    if (pathname === PATHS.tts) return handleTts(request, response);
    if (pathname === PATHS.avatarTasks) {
      return method === 'POST' ? handleCreate(request, response, faults) : handleList(url, response);
    }
    return handleGet(decodeURIComponent(pathname.slice(PATHS.avatarTasks.length + 1)), response);
  }

  const server = createServer((request, response) => {
    const started = Date.now();
    route(request, response)
      .catch((error: Error) => {
        settings.log?.(`internal error: ${error.stack ?? error.message}`);
        if (!response.headersSent) sendError(response, 5000, 'server error');
        else response.destroy();
      })
      .finally(() =>
        settings.log?.(`${request.method} ${request.url} ${response.statusCode} ${Date.now() - started}ms`),
      );
  });
  server.keepAliveTimeout = 5000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(settings.port, settings.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = settings.host.includes(':') ? `[${settings.host}]` : settings.host;
  baseUrl = (settings.publicUrl ?? `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`).replace(
    /\/+$/,
    '',
  );

  // Tasks interrupted by a restart carry on (only possible with a data dir).
  for (const task of store.unfinishedTasks()) void runLifecycle(task);

  const firstPair = settings.accessKeys[0]!;
  return {
    url: baseUrl,
    credentials: {
      apiKey: settings.apiKeys[0]!,
      accessKey: firstPair.accessKey,
      secretKey: firstPair.secretKey,
      ...(settings.callbackSecret ? { callbackSecret: settings.callbackSecret } : {}),
    },
    ffmpeg: { path: ffmpeg.path, source: ffmpeg.source },
    stats: () => ({ ...stats, tasks: store.taskCount, running: store.runningCount(now()) }),
    callbackAttempts: () => callbacks.attempts,
    callbacksIdle: () => callbacks.idle(),
    setFaults: (faults) => {
      serverFaults = faults;
    },
    stop: async () => {
      lifecycle.abort();
      callbacks.stop();
      await renderQueue.close({ abort: true }).catch(() => {});
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      store.close();
    },
  };
}

let lastTaskId = 0n;
/** Unique 18-digit numeric task ids (§11), increasing so ties in `created_at` still sort. */
function newTaskId(): string {
  const candidate = BigInt(Date.now()) * 100_000n + BigInt(Math.floor(Math.random() * 1000));
  lastTaskId = candidate > lastTaskId ? candidate : lastTaskId + 1n;
  return lastTaskId.toString().padStart(18, '0').slice(-18);
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(';') : value;
}

function streamFile(file: string, type: string, request: IncomingMessage, response: ServerResponse): void {
  const size = statSync(file).size;
  const range = /^bytes=(\d*)-(\d*)$/.exec(request.headers.range ?? '');
  let start = 0;
  let end = size - 1;
  if (range && (range[1] || range[2])) {
    start = range[1] ? Number(range[1]) : Math.max(0, size - Number(range[2]));
    end = range[1] && range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
    if (start > end || start >= size) {
      response.writeHead(416, { 'content-range': `bytes */${size}` });
      response.end();
      return;
    }
    response.writeHead(206, {
      'content-type': type,
      'content-length': end - start + 1,
      'content-range': `bytes ${start}-${end}/${size}`,
      'accept-ranges': 'bytes',
    });
  } else {
    response.writeHead(200, { 'content-type': type, 'content-length': size, 'accept-ranges': 'bytes' });
  }
  if (request.method === 'HEAD') {
    response.end();
    return;
  }
  createReadStream(file, { start, end }).pipe(response);
}
