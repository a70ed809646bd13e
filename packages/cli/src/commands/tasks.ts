/**
 * API commands against any base URL: `create`, `get`, `list`, `wait` and `tts`. Credentials come from
 * the environment (see credentials.ts); local files become raw base64 through core.
 */
import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import {
  type CreateTaskRequest,
  createKlingAvatarClient,
  firstVideo,
  type KlingAvatarClient,
  KlingValidationError,
  LIMITS,
  type Mode,
  type TaskRecord,
  type TtsLanguage,
} from '@kling-avatar/core';
import { downloadVideoToFile } from '@kling-avatar/core/node';
import { type ConnectionFlags, clientOptionsFrom } from '../credentials.js';
import { type MediaField, requestValueForFile } from '../media-file.js';
import { TaskProgress } from '../progress.js';
import { UsageError } from '../util/errors.js';
import {
  formatBytes,
  formatSeconds,
  formatTable,
  formatTimestamp,
  formatUnitAmount,
} from '../util/format.js';
import { type CliIo, isInteractive, writeJson, writeLine } from '../util/io.js';

export interface CommonApiFlags extends ConnectionFlags {
  json?: boolean;
}

export interface WaitFlags {
  timeoutMs?: number;
  pollIntervalMs?: number;
  download?: string;
  watermarked?: boolean;
}

export function makeClient(flags: ConnectionFlags, io: CliIo): KlingAvatarClient {
  return createKlingAvatarClient(clientOptionsFrom(flags, io.env));
}

/** A local file → raw base64 (an unreadable file is a usage error); an http(s) URL is passed through. */
async function mediaValue(value: string, field: MediaField, flag: string, io: CliIo): Promise<string> {
  if (/^https?:\/\//i.test(value)) return value;
  const read = await requestValueForFile(resolve(io.cwd, value), field, field);
  if (read.value !== undefined) return read.value;
  const first = read.problems[0];
  if (first?.code === 'file_unreadable')
    throw new UsageError(`${flag} ${value}: ${first.message.replace(/^[^:]+: /, '')}`);
  throw new KlingValidationError(read.problems as never[], 'Create request');
}

async function waitWithProgress(
  client: KlingAvatarClient,
  taskId: string,
  flags: WaitFlags & { json?: boolean },
  io: CliIo,
  signal: AbortSignal | undefined,
): Promise<TaskRecord> {
  const progress = flags.json
    ? undefined
    : new TaskProgress(io.stderr, isInteractive(io.stderr, io.env), taskId);
  progress?.start();
  try {
    return await client.waitForTask(taskId, {
      timeoutMs: flags.timeoutMs,
      pollIntervalMs: flags.pollIntervalMs,
      signal,
      onProgress: (task) => progress?.update(task),
    });
  } finally {
    progress?.stop();
  }
}

async function download(
  client: KlingAvatarClient,
  task: TaskRecord,
  file: string,
  watermarked: boolean,
  io: CliIo,
  signal: AbortSignal | undefined,
): Promise<{ path: string; bytes: number }> {
  const path = resolve(io.cwd, file);
  await mkdir(dirname(path), { recursive: true });
  return downloadVideoToFile(client, task, path, { watermarked, signal });
}

function describeTask(task: TaskRecord): string[] {
  const video = firstVideo(task);
  const rows: [string, string | undefined][] = [
    ['task id', task.task_id],
    ['status', task.task_status],
    ['message', task.task_status_msg || undefined],
    ['external id', task.task_info?.external_task_id],
    ['created', task.created_at === undefined ? undefined : formatTimestamp(task.created_at)],
    ['updated', task.updated_at === undefined ? undefined : formatTimestamp(task.updated_at)],
    ['watermark', task.watermark_info ? String(task.watermark_info.enabled) : undefined],
    ['duration', video ? formatSeconds(Number(video.duration)) : undefined],
    ['units', task.final_unit_deduction],
    ['video', video?.url],
    ['watermarked', video?.watermark_url],
  ];
  return rows
    .filter(([, value]) => value !== undefined && value !== '')
    .map(([key, value]) => `  ${key.padEnd(12)}${value}`);
}

export interface CreateFlags extends CommonApiFlags, WaitFlags {
  image?: string;
  audio?: string;
  audioId?: string;
  prompt?: string;
  mode?: Mode;
  watermark?: boolean;
  callbackUrl?: string;
  externalTaskId?: string;
  wait?: boolean;
}

export async function runCreate(flags: CreateFlags, io: CliIo, signal?: AbortSignal): Promise<number> {
  if (!flags.image) throw new UsageError('--image is required (a file path or an http(s) URL).');
  if ((flags.audio === undefined) === (flags.audioId === undefined)) {
    throw new UsageError(
      flags.audio === undefined
        ? 'give the speech as --audio <file|url> or --audio-id <id> (from `kling-avatar tts`).'
        : '--audio and --audio-id were both given; use exactly one.',
    );
  }
  const client = makeClient(flags, io);
  const body: CreateTaskRequest = { image: await mediaValue(flags.image, 'image', '--image', io) };
  if (flags.audio !== undefined) body.sound_file = await mediaValue(flags.audio, 'sound_file', '--audio', io);
  if (flags.audioId !== undefined) body.audio_id = flags.audioId;
  if (flags.prompt !== undefined) body.prompt = flags.prompt;
  if (flags.mode !== undefined) body.mode = flags.mode;
  if (flags.watermark) body.watermark_info = { enabled: true };
  if (flags.callbackUrl !== undefined) body.callback_url = flags.callbackUrl;
  if (flags.externalTaskId !== undefined) body.external_task_id = flags.externalTaskId;

  let task = await client.createTask(body, { signal });
  if (!flags.json) {
    writeLine(
      io.stderr,
      `Created task ${task.task_id} (${task.task_status}, external id ${task.task_info?.external_task_id ?? body.external_task_id ?? '–'})`,
    );
  }
  let saved: { path: string; bytes: number } | undefined;
  if (flags.wait || flags.download) {
    task = await waitWithProgress(client, task.task_id, flags, io, signal);
    if (flags.download)
      saved = await download(client, task, flags.download, flags.watermarked === true, io, signal);
  }
  printTaskResult(task, saved, flags, io);
  return 0;
}

function printTaskResult(
  task: TaskRecord,
  saved: { path: string; bytes: number } | undefined,
  flags: CommonApiFlags,
  io: CliIo,
): void {
  if (flags.json) {
    writeJson(io.stdout, saved ? { task, download: saved } : { task });
    return;
  }
  for (const line of describeTask(task)) writeLine(io.stdout, line);
  if (saved) writeLine(io.stdout, `Saved ${saved.path} (${formatBytes(saved.bytes)})`);
}

export async function runGet(
  id: string,
  flags: CommonApiFlags,
  io: CliIo,
  signal?: AbortSignal,
): Promise<number> {
  const task = await makeClient(flags, io).getTask(id, { signal });
  printTaskResult(task, undefined, flags, io);
  return 0;
}

export interface WaitCommandFlags extends CommonApiFlags, WaitFlags {}

export async function runWait(
  id: string,
  flags: WaitCommandFlags,
  io: CliIo,
  signal?: AbortSignal,
): Promise<number> {
  const client = makeClient(flags, io);
  const task = await waitWithProgress(client, id, flags, io, signal);
  const saved = flags.download
    ? await download(client, task, flags.download, flags.watermarked === true, io, signal)
    : undefined;
  printTaskResult(task, saved, flags, io);
  return 0;
}

export interface ListFlags extends CommonApiFlags {
  page?: number;
  pageSize?: number;
  all?: boolean;
}

export async function runList(flags: ListFlags, io: CliIo, signal?: AbortSignal): Promise<number> {
  const client = makeClient(flags, io);
  const tasks: TaskRecord[] = [];
  if (flags.all) {
    for await (const task of client.iterateTasks({ signal, pageSize: flags.pageSize })) tasks.push(task);
  } else {
    tasks.push(...(await client.listTasks({ pageNum: flags.page, pageSize: flags.pageSize }, { signal })));
  }
  if (flags.json) {
    writeJson(io.stdout, {
      tasks,
      ...(flags.all
        ? {}
        : {
            page: flags.page ?? LIMITS.list.pageNum.default,
            pageSize: flags.pageSize ?? LIMITS.list.pageSize.default,
          }),
    });
    return 0;
  }
  if (tasks.length === 0) {
    writeLine(io.stdout, flags.page && flags.page > 1 ? `no tasks on page ${flags.page}` : 'no tasks');
    return 0;
  }
  const rows = tasks.map((task) => {
    const video = firstVideo(task);
    return [
      task.task_id,
      task.task_status,
      task.task_info?.external_task_id ?? '–',
      formatTimestamp(task.created_at),
      video ? formatSeconds(Number(video.duration)) : '–',
      task.final_unit_deduction ?? '–',
    ];
  });
  writeLine(
    io.stdout,
    formatTable(['TASK ID', 'STATUS', 'EXTERNAL ID', 'CREATED', 'DURATION', 'UNITS'], rows, [
      'left',
      'left',
      'left',
      'left',
      'right',
      'right',
    ]),
  );
  if (!flags.all && tasks.length === (flags.pageSize ?? LIMITS.list.pageSize.default)) {
    writeLine(
      io.stdout,
      `(page ${flags.page ?? 1}; more may follow: --page ${(flags.page ?? 1) + 1}, or --all)`,
    );
  }
  return 0;
}

export interface TtsFlags extends CommonApiFlags {
  text?: string;
  voiceId?: string;
  language?: TtsLanguage;
  speed?: number;
}

export async function runTts(flags: TtsFlags, io: CliIo, signal?: AbortSignal): Promise<number> {
  if (!flags.text) throw new UsageError('--text is required.');
  if (!flags.voiceId) throw new UsageError('--voice-id is required (e.g. oversea_male1 with --language en).');
  const client = makeClient(flags, io);
  const record = await client.createTts(
    {
      text: flags.text,
      voice_id: flags.voiceId,
      voice_language: flags.language ?? LIMITS.tts.defaultLanguage,
      ...(flags.speed === undefined ? {} : { voice_speed: flags.speed }),
    },
    { signal },
  );
  if (flags.json) {
    writeJson(io.stdout, { tts: record });
    return 0;
  }
  const audio = record.task_result?.audios?.[0];
  writeLine(io.stdout, `  audio id    ${audio?.id ?? '–'}`);
  writeLine(
    io.stdout,
    `  duration    ${formatSeconds(audio?.duration === undefined ? undefined : Number(audio.duration))}`,
  );
  if (audio?.url) writeLine(io.stdout, `  url         ${audio.url}`);
  writeLine(io.stdout, `  units       ${record.final_unit_deduction ?? formatUnitAmount(undefined)}`);
  if (audio?.id) {
    writeLine(
      io.stdout,
      `Use it within ${LIMITS.audio.audioIdMaxAgeDays} days: kling-avatar create --image <portrait> --audio-id ${audio.id}`,
    );
  }
  return 0;
}
