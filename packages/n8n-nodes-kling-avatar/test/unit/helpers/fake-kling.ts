import { type IHttpRequestOptions, type INode, NodeApiError } from 'n8n-workflow';

/** A Kling-shaped task as the fake keeps it. */
export interface FakeTask {
  task_id: string;
  task_status: 'submitted' | 'processing' | 'succeed' | 'failed';
  task_status_msg: string;
  task_info: { external_task_id?: string };
  watermark_info: { enabled: boolean };
  created_at: number;
  updated_at: number;
  task_result?: { videos: Array<{ id: string; url: string; duration: string; watermark_url?: string }> };
  final_unit_deduction?: string;
  /** GETs left before the task finishes. */
  pollsLeft: number;
  failWith?: string;
  body: Record<string, unknown>;
}

export interface RecordedRequest {
  method: string;
  url: string;
  path: string;
  body?: Record<string, unknown>;
  qs?: Record<string, unknown>;
}

type Fault = (
  request: RecordedRequest,
) => { status: number; body: unknown } | 'network' | 'drop-after-commit' | undefined;

export const BASE_URL = 'https://kling.test';

/**
 * An in-memory Kling behind `httpRequestWithAuthentication`: create, get (by task id or external id),
 * list, text to speech; tasks finish after a number of polls; errors are thrown the way n8n throws them
 * (a NodeApiError around an axios-style error whose response carries Kling's body).
 */
export class FakeKling {
  readonly tasks = new Map<string, FakeTask>();
  readonly requests: RecordedRequest[] = [];
  /** GET polls until a task succeeds. */
  pollsToFinish = 1;
  /** Tasks that are submitted/processing at once before creates answer 1303. */
  concurrencyLimit = Number.POSITIVE_INFINITY;
  /** Seconds of audio text to speech makes. */
  ttsDuration = 4;
  /** One-shot faults, tried in order before the normal handling. */
  faults: Fault[] = [];
  maxRunning = 0;
  private sequence = 0;

  constructor(private readonly node: INode) {}

  get creates(): RecordedRequest[] {
    return this.requests.filter(
      (request) => request.method === 'POST' && request.path.endsWith('/image2video'),
    );
  }

  running(): number {
    return [...this.tasks.values()].filter(
      (task) => task.task_status === 'submitted' || task.task_status === 'processing',
    ).length;
  }

  private fail(status: number, body: unknown): never {
    const axiosLike = Object.assign(new Error(`Request failed with status code ${status}`), {
      response: { status, data: body, headers: {} },
    });
    throw new NodeApiError(this.node, axiosLike as never);
  }

  private error(status: number, code: number, message: string): never {
    this.fail(status, { code, message, request_id: `req-${code}-${++this.sequence}` });
  }

  private ok(data: unknown) {
    return { code: 0, message: 'SUCCEED', request_id: `req-${++this.sequence}`, data };
  }

  private view(task: FakeTask) {
    const record: Record<string, unknown> = structuredClone({ ...task });
    for (const internal of ['pollsLeft', 'failWith', 'body']) delete record[internal];
    return record;
  }

  private find(id: string): FakeTask | undefined {
    return (
      this.tasks.get(id) ?? [...this.tasks.values()].find((task) => task.task_info.external_task_id === id)
    );
  }

  async handle(options: IHttpRequestOptions): Promise<unknown> {
    const url = new URL(String(options.url));
    const request: RecordedRequest = {
      method: String(options.method ?? 'GET'),
      url: String(options.url),
      path: url.pathname,
      // A copy, as a real request is serialised when sent.
      body: options.body === undefined ? undefined : structuredClone(options.body as Record<string, unknown>),
      qs: options.qs as Record<string, unknown> | undefined,
    };
    this.requests.push(request);
    const fault = this.faults.shift()?.(request);
    if (fault === 'network') throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    if (fault === 'drop-after-commit') {
      await this.route(request, url);
      throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    }
    if (fault) this.fail(fault.status, fault.body);
    return await this.route(request, url);
  }

  private async route(request: RecordedRequest, url: URL): Promise<unknown> {
    if (request.method === 'POST' && url.pathname === '/v1/audio/tts') {
      const id = `audio-${++this.sequence}`;
      return this.ok({
        task_id: `tts-${this.sequence}`,
        task_status: 'succeed',
        task_status_msg: '',
        task_result: {
          audios: [{ id, url: `${BASE_URL}/media/${id}.mp3`, duration: String(this.ttsDuration) }],
        },
        final_unit_deduction: '0.05',
        created_at: 1_800_000_000_000,
        updated_at: 1_800_000_000_000,
      });
    }
    if (request.method === 'POST' && url.pathname === '/v1/videos/avatar/image2video') {
      const body = request.body ?? {};
      const external = body.external_task_id as string | undefined;
      if (external && this.find(external))
        this.error(400, 1201, `external_task_id already exists: ${external}`);
      if (this.running() >= this.concurrencyLimit)
        this.error(429, 1303, 'parallel task over resource pack limit');
      const now = Date.now();
      const task: FakeTask = {
        task_id: `8672837417591${String(10000 + ++this.sequence).padStart(5, '0')}`,
        task_status: 'submitted',
        task_status_msg: '',
        task_info: external ? { external_task_id: external } : {},
        watermark_info: {
          enabled: Boolean((body.watermark_info as { enabled?: boolean } | undefined)?.enabled),
        },
        created_at: now,
        updated_at: now,
        pollsLeft: this.pollsToFinish,
        body,
      };
      this.tasks.set(task.task_id, task);
      this.maxRunning = Math.max(this.maxRunning, this.running());
      return this.ok(this.view(task));
    }
    if (request.method === 'GET' && url.pathname === '/v1/videos/avatar/image2video') {
      const pageNum = Number(request.qs?.pageNum ?? 1);
      const pageSize = Number(request.qs?.pageSize ?? 30);
      const all = [...this.tasks.values()].reverse();
      return this.ok(all.slice((pageNum - 1) * pageSize, pageNum * pageSize).map((task) => this.view(task)));
    }
    const match = /^\/v1\/videos\/avatar\/image2video\/(.+)$/.exec(url.pathname);
    if (request.method === 'GET' && match) {
      const id = decodeURIComponent(match[1]!);
      const task = this.find(id);
      if (!task) this.error(404, 1203, `task not found: ${id}`);
      this.advance(task);
      return this.ok(this.view(task));
    }
    this.error(404, 1203, 'resource does not exist');
  }

  private advance(task: FakeTask) {
    if (task.task_status === 'succeed' || task.task_status === 'failed') return;
    if (task.pollsLeft > 0) {
      task.pollsLeft--;
      task.task_status = 'processing';
      task.updated_at++;
      return;
    }
    task.updated_at++;
    if (task.failWith) {
      task.task_status = 'failed';
      task.task_status_msg = task.failWith;
      return;
    }
    task.task_status = 'succeed';
    const video: { id: string; url: string; duration: string; watermark_url?: string } = {
      id: `video-${task.task_id}`,
      url: `${BASE_URL}/media/${task.task_id}.mp4`,
      duration: '4.00',
    };
    if (task.watermark_info.enabled) video.watermark_url = `${BASE_URL}/media/${task.task_id}-wm.mp4`;
    task.task_result = { videos: [video] };
    task.final_unit_deduction = task.body.mode === 'pro' ? '3.2' : '1.6';
  }

  /** Make every task created from now on fail with this message. */
  failNextTasks(message: string) {
    const original = this.handle.bind(this);
    this.handle = async (options) => {
      const result = (await original(options)) as { data?: { task_id?: string } };
      const task = result?.data?.task_id ? this.tasks.get(result.data.task_id) : undefined;
      if (task && String(options.method) === 'POST') task.failWith = message;
      return result;
    };
  }
}
