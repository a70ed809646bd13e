/**
 * The fetch-based Kling Avatar client. Every dependency is injectable (base URL, auth, fetch, sleep,
 * clock, randomness, retry policy) so tests and other runtimes control time and the network.
 *
 * Money rules: every create carries an `external_task_id`; when a create's outcome is unknown (the
 * connection dropped, a timeout, 5000/5002) the client looks the task up by that id before it ever
 * sends the create again, so a retry never pays twice.
 */
import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { accessKeyAuth, apiKeyAuth, type KlingAuth } from './auth.js';
import {
  KlingAbortError,
  KlingApiError,
  KlingAvatarError,
  KlingNetworkError,
  KlingValidationError,
} from './errors.js';
import { createTaskIdempotently } from './idempotent-create.js';
import { BASE_URLS, DEFAULT_BASE_URL, LIMITS, PATHS, type Region } from './limits.js';
import {
  DEFAULT_RETRY_POLICY,
  parseRetryAfter,
  type RetryPolicy,
  retryClassOf,
  retryDelayFor,
} from './retry.js';
import {
  listTasksQuerySchema,
  taskListResponseSchema,
  taskResponseSchema,
  ttsRequestSchema,
  ttsResponseSchema,
} from './schemas.js';
import { asTaskRecord, firstVideo } from './task-record.js';
import type { CreateTaskRequest, ListTasksQuery, TaskRecord, TtsRequest, TtsTaskRecord } from './types.js';
import { validateCreateTask, validateCreateTaskAsync } from './validate.js';
import { type WaitOptions, waitForTaskWith } from './wait.js';

export interface KlingAvatarClientOptions {
  /** API base URL. Default: Singapore (`https://api-singapore.klingai.com`), or from `region`. */
  baseURL?: string;
  /** `singapore` (default) or `beijing`; ignored when `baseURL` is given. */
  region?: Region;
  /** An API key from the Kling console. */
  apiKey?: string;
  /** Access key + secret key: the client mints and renews HS256 JWTs. */
  accessKey?: string;
  secretKey?: string;
  /** Any other credential provider. */
  auth?: KlingAuth;
  /** Extra headers on every request. */
  headers?: Record<string, string>;
  /** Custom fetch (proxies, tests). Default: the global fetch. */
  fetch?: typeof fetch;
  /** Abortable sleep, injectable for tests. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Current time in ms, injectable for tests. */
  now?: () => number;
  random?: () => number;
  retry?: Partial<RetryPolicy>;
  /** Per-request time limit. Default 60 s (a create uploads up to 15 MB). */
  requestTimeoutMs?: number;
  /**
   * Preflight before paid calls: `local` (default) checks fields and inspects base64 media;
   * `probe-urls` also downloads URL media to check it; `false` sends as is.
   */
  validate?: 'local' | 'probe-urls' | false;
  /** Makes external task ids for creates that have none. Default `kav-<uuid>`. */
  generateExternalTaskId?: () => string;
}

export interface CallOptions {
  signal?: AbortSignal;
}

export interface CreateTaskOptions extends CallOptions {
  /** Override the client's `validate` setting for this call. */
  validate?: 'local' | 'probe-urls' | false;
}

export interface CreateAndWaitOptions extends CreateTaskOptions, WaitOptions {}

export function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new KlingAbortError());
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new KlingAbortError());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Resolve credentials from options: `auth`, else API key, else access key + secret key. */
function resolveAuth(options: KlingAvatarClientOptions): KlingAuth {
  if (options.auth) return options.auth;
  if (options.apiKey) return apiKeyAuth(options.apiKey);
  if (options.accessKey || options.secretKey) {
    return accessKeyAuth({ accessKey: options.accessKey ?? '', secretKey: options.secretKey ?? '' });
  }
  throw new TypeError(
    'No Kling credentials: pass `apiKey`, or `accessKey` and `secretKey` (env KLING_API_KEY, or KLING_ACCESS_KEY + KLING_SECRET_KEY in the CLI).',
  );
}

interface RequestSpec<Schema extends z.ZodType> {
  method: 'GET' | 'POST';
  path: string;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  schema: Schema;
  signal?: AbortSignal;
  /**
   * `safe`: retry what cannot double-charge (queries, TTS). `none`: the caller decides (creates handle
   * "maybe committed" failures themselves, by looking the task up).
   */
  retries: 'safe' | 'none';
}

export class KlingAvatarClient {
  readonly baseURL: string;
  readonly #auth: KlingAuth;
  readonly #fetch: typeof fetch;
  readonly #sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly #now: () => number;
  readonly #random: () => number;
  readonly #retry: RetryPolicy;
  readonly #timeoutMs: number;
  readonly #headers: Record<string, string>;
  readonly #validate: 'local' | 'probe-urls' | false;
  readonly #generateExternalTaskId: () => string;

  constructor(options: KlingAvatarClientOptions = {}) {
    this.baseURL = (
      options.baseURL ?? (options.region ? BASE_URLS[options.region] : DEFAULT_BASE_URL)
    ).replace(/\/+$/, '');
    this.#auth = resolveAuth(options);
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
    this.#sleep = options.sleep ?? defaultSleep;
    this.#now = options.now ?? Date.now;
    this.#random = options.random ?? Math.random;
    this.#retry = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.#timeoutMs = options.requestTimeoutMs ?? 60_000;
    this.#headers = options.headers ?? {};
    this.#validate = options.validate ?? 'local';
    this.#generateExternalTaskId = options.generateExternalTaskId ?? (() => `kav-${randomUUID()}`);
  }

  toString(): string {
    return `KlingAvatarClient(${this.baseURL}, ${this.#auth.describe()})`;
  }

  /**
   * Create an avatar task. Validates first (nothing is paid for a request Kling would refuse), sets an
   * `external_task_id` when missing, and recovers from ambiguous failures by looking the task up.
   */
  async createTask(request: CreateTaskRequest, options: CreateTaskOptions = {}): Promise<TaskRecord> {
    const body: CreateTaskRequest = {
      ...request,
      external_task_id: request.external_task_id || this.#generateExternalTaskId(),
    };
    await this.#preflight(body, options);
    const externalTaskId = body.external_task_id!;
    const { task } = await createTaskIdempotently(
      {
        send: (signal) =>
          this.#request({
            method: 'POST',
            path: PATHS.avatarTasks,
            body,
            schema: taskResponseSchema,
            signal,
            retries: 'none',
          }).then((record) => this.#requireRecord(record)),
        findByExternalId: (id, signal) => this.#findByExternalId(id, signal),
        sleep: this.#sleep,
        now: this.#now,
        random: this.#random,
        renewCredentials: () => this.#auth.invalidate(),
      },
      { externalTaskId, signal: options.signal, retry: this.#retry },
    );
    return task;
  }

  /** Get a task by Kling's `task_id` or by your `external_task_id` (the API accepts either). */
  async getTask(id: string, options: CallOptions = {}): Promise<TaskRecord> {
    if (!id) throw new TypeError('getTask needs a task id or external task id.');
    const record = await this.#request({
      method: 'GET',
      path: `${PATHS.avatarTasks}/${encodeURIComponent(id)}`,
      schema: taskResponseSchema,
      signal: options.signal,
      retries: 'safe',
    });
    return this.#requireRecord(record);
  }

  /** One page of tasks (Kling: newest first in the sandbox; order undocumented for Kling). */
  async listTasks(query: ListTasksQuery = {}, options: CallOptions = {}): Promise<TaskRecord[]> {
    const parsed = listTasksQuerySchema.safeParse(query);
    if (!parsed.success) {
      const { pageNum, pageSize } = LIMITS.list;
      throw new KlingValidationError(
        [
          {
            path: String(parsed.error.issues[0]?.path[0] ?? 'query'),
            code: 'field_type',
            message: `pageNum must be an integer ${pageNum.min}–${pageNum.max} and pageSize ${pageSize.min}–${pageSize.max}.`,
          },
        ],
        'List query',
      );
    }
    const records = await this.#request({
      method: 'GET',
      path: PATHS.avatarTasks,
      query: { pageNum: query.pageNum, pageSize: query.pageSize },
      schema: taskListResponseSchema,
      signal: options.signal,
      retries: 'safe',
    });
    return (records ?? []).map((record) => this.#requireRecord(record));
  }

  /** Every task, page by page, until a short page. */
  async *iterateTasks(options: CallOptions & { pageSize?: number } = {}): AsyncGenerator<TaskRecord> {
    const pageSize = options.pageSize ?? LIMITS.list.pageSize.max;
    for (let pageNum = LIMITS.list.pageNum.min; pageNum <= LIMITS.list.pageNum.max; pageNum++) {
      const page = await this.listTasks({ pageNum, pageSize }, options);
      yield* page;
      if (page.length < pageSize) return;
    }
  }

  /** Text to speech; the result's `audios[0].id` is an `audio_id` for avatar tasks (30 days). */
  async createTts(request: TtsRequest, options: CallOptions = {}): Promise<TtsTaskRecord> {
    const parsed = ttsRequestSchema.safeParse(request);
    if (!parsed.success) {
      throw new KlingValidationError(
        parsed.error.issues.map((issue) => ({
          path: issue.path.join('.') || 'body',
          code: 'field_type',
          message: `${issue.path.join('.') || 'body'}: ${issue.message}`,
        })),
        'Text-to-speech request',
      );
    }
    const record = await this.#request({
      method: 'POST',
      path: PATHS.tts,
      body: request,
      schema: ttsResponseSchema,
      signal: options.signal,
      // TTS is cheap (0.05 units) and has no external id to look up; retrying transient errors is fine.
      retries: 'safe',
    });
    if (!record) throw new KlingApiError({ statusCode: 200, apiMessage: 'TTS answer had no data' });
    return record as unknown as TtsTaskRecord;
  }

  /** Poll until the task succeeds (returns it) or fails (throws `KlingTaskFailedError`). */
  waitForTask(
    taskId: string,
    options: WaitOptions & { nextPush?: (signal?: AbortSignal) => Promise<TaskRecord> } = {},
  ): Promise<TaskRecord> {
    return waitForTaskWith(
      taskId,
      {
        getTask: (signal) => this.getTask(taskId, { signal }),
        sleep: this.#sleep,
        now: this.#now,
        random: this.#random,
        nextPush: options.nextPush,
      },
      options,
    );
  }

  /** Create, then wait for the result. */
  async createAndWait(request: CreateTaskRequest, options: CreateAndWaitOptions = {}): Promise<TaskRecord> {
    const created = await this.createTask(request, options);
    return this.waitForTask(created.task_id, options);
  }

  /**
   * Download a result video as a streaming `Response` (caller reads or pipes the body). Pass a task or a
   * URL; `watermarked` picks the watermarked copy.
   */
  async downloadVideo(
    source: TaskRecord | string,
    options: CallOptions & { watermarked?: boolean } = {},
  ): Promise<Response> {
    const url = typeof source === 'string' ? source : videoUrlOf(source, options.watermarked);
    let response: Response;
    try {
      response = await this.#fetch(url, { signal: options.signal });
    } catch (error) {
      if (options.signal?.aborted) throw new KlingAbortError('Download was cancelled.', { cause: error });
      throw new KlingNetworkError(`Could not download ${stripQuery(url)}: ${errorText(error)}`, {
        url: stripQuery(url),
        cause: error,
      });
    }
    if (!response.ok || !response.body) {
      throw new KlingApiError({
        statusCode: response.status,
        apiMessage: `video download answered HTTP ${response.status} (result files are deleted 30 days after creation)`,
        url: stripQuery(url),
      });
    }
    return response;
  }

  /** Download a result video fully into memory. */
  async downloadVideoBytes(
    source: TaskRecord | string,
    options: CallOptions & { watermarked?: boolean } = {},
  ): Promise<Uint8Array> {
    const response = await this.downloadVideo(source, options);
    return new Uint8Array(await response.arrayBuffer());
  }

  async #preflight(body: CreateTaskRequest, options: CreateTaskOptions): Promise<void> {
    const mode = options.validate ?? this.#validate;
    if (mode === false) return;
    const result =
      mode === 'probe-urls'
        ? await validateCreateTaskAsync(body, { probeUrls: true, fetch: this.#fetch, signal: options.signal })
        : validateCreateTask(body);
    if (!result.ok) throw new KlingValidationError(result.problems, 'Create request');
  }

  async #findByExternalId(externalTaskId: string, signal?: AbortSignal): Promise<TaskRecord | undefined> {
    try {
      return await this.getTask(externalTaskId, { signal });
    } catch (error) {
      if (error instanceof KlingApiError && error.code === 1203) return undefined;
      throw error;
    }
  }

  #requireRecord(value: unknown): TaskRecord {
    const record = asTaskRecord(value);
    if (!record) {
      throw new KlingApiError({ statusCode: 200, apiMessage: 'answer had no task record in `data`' });
    }
    return record;
  }

  /** One API call with retries for what is safe to retry; returns `data`. */
  async #request<Schema extends z.ZodType>(spec: RequestSpec<Schema>) {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#send(spec);
      } catch (error) {
        if (spec.signal?.aborted) throw error;
        const retryClass = retryClassOf(error);
        if (spec.retries === 'none') throw error;
        const safe =
          retryClass === 'backoff' || retryClass === 'network' || retryClass === 'backoff-check-first';
        if (retryClass === 're-mint' && attempt === 1) {
          this.#auth.invalidate();
          continue;
        }
        if (!safe || attempt > this.#retry.maxRetries) throw error;
        await this.#sleep(retryDelayFor(error, attempt, this.#retry, this.#random), spec.signal);
      }
    }
  }

  async #send<Schema extends z.ZodType>(spec: RequestSpec<Schema>) {
    const url = new URL(this.baseURL + spec.path);
    for (const [key, value] of Object.entries(spec.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const timeout = AbortSignal.timeout(this.#timeoutMs);
    const signal = spec.signal ? AbortSignal.any([spec.signal, timeout]) : timeout;
    const headers: Record<string, string> = {
      ...this.#headers,
      Authorization: this.#auth.authorization(this.#now()),
      Accept: 'application/json',
    };
    if (spec.body !== undefined) headers['Content-Type'] = 'application/json';

    let response: Response;
    let text: string;
    try {
      response = await this.#fetch(url, {
        method: spec.method,
        headers,
        body: spec.body === undefined ? undefined : JSON.stringify(spec.body),
        signal,
      });
      text = await response.text();
    } catch (error) {
      if (spec.signal?.aborted) throw new KlingAbortError('The request was cancelled.', { cause: error });
      const timedOut = timeout.aborted;
      const what = timedOut ? `timed out after ${this.#timeoutMs} ms` : errorText(error);
      throw new KlingNetworkError(`${spec.method} ${url.pathname} ${what}`, {
        url: url.toString(),
        cause: error,
        timedOut,
      });
    }

    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new KlingApiError({
        statusCode: response.status,
        apiMessage: `non-JSON answer (HTTP ${response.status}): ${text.slice(0, 200)}`,
        url: url.toString(),
        retryAfterMs: parseRetryAfter(response.headers.get('retry-after'), this.#now()),
      });
    }
    const envelope = spec.schema.safeParse(json);
    const parsed = envelope.success
      ? (envelope.data as { code: number; message: string; request_id?: string | null; data?: unknown })
      : undefined;
    if (!parsed) {
      throw new KlingApiError({
        statusCode: response.status,
        apiMessage: `unexpected answer shape (HTTP ${response.status}): ${text.slice(0, 200)}`,
        url: url.toString(),
      });
    }
    if (!response.ok || parsed.code !== 0) {
      throw new KlingApiError({
        statusCode: response.status,
        code: parsed.code,
        apiMessage: parsed.message,
        requestId: parsed.request_id ?? undefined,
        url: url.toString(),
        retryAfterMs: parseRetryAfter(response.headers.get('retry-after'), this.#now()),
      });
    }
    return parsed.data as z.infer<Schema> extends { data?: infer Data } ? Data : unknown;
  }
}

/** Create a client; see `KlingAvatarClientOptions`. */
export function createKlingAvatarClient(options: KlingAvatarClientOptions = {}): KlingAvatarClient {
  return new KlingAvatarClient(options);
}

function videoUrlOf(task: TaskRecord, watermarked = false): string {
  const video = firstVideo(task);
  const url = watermarked ? video?.watermark_url : video?.url;
  if (!url) {
    const what = watermarked ? 'a watermarked video (was watermark_info.enabled set?)' : 'a video';
    throw new KlingAvatarError(`Task ${task.task_id} (${task.task_status}) has no ${what} to download.`, {
      category: 'request',
      taskId: task.task_id,
    });
  }
  return url;
}

function stripQuery(url: string): string {
  return url.split('?')[0] ?? url;
}

function errorText(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return cause?.code ? `${error.message} (${cause.code})` : error.message;
  }
  return String(error);
}
