/**
 * Tasks, TTS audio and their media files. Records live in memory; with a data directory every change is
 * also written to disk (one JSON file per record) so a restarted sandbox carries on where it stopped.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LIMITS, type Mode, type TaskRecord } from '@kling-avatar/core';

export interface StoredTask {
  record: TaskRecord;
  mode: Mode;
  callbackUrl?: string;
  /** Set when a fault asked for this task to fail. */
  failMessage?: string;
  imageFile: string;
  audioFile: string;
  audioSeconds: number;
  videoFile?: string;
  watermarkFile?: string;
}

export interface StoredAudio {
  id: string;
  file: string;
  durationSeconds: number;
  createdAt: number;
}

const RETENTION_MS = LIMITS.retentionDays * 24 * 60 * 60 * 1000;

export class SandboxStore {
  readonly mediaDir: string;
  readonly #tasks = new Map<string, StoredTask>();
  /** Ids of submitted and processing tasks, so the concurrency check on create does not scan every task. */
  readonly #unfinished = new Set<string>();
  readonly #byExternalId = new Map<string, string>();
  readonly #audio = new Map<string, StoredAudio>();
  readonly #persistDir?: string;
  readonly #temporary: boolean;

  private constructor(mediaDir: string, persistDir: string | undefined) {
    this.mediaDir = mediaDir;
    this.#persistDir = persistDir;
    this.#temporary = persistDir === undefined;
  }

  /** Open a store in `dataDir` (loading what it holds), or in a fresh temporary folder. */
  static async open(dataDir: string | undefined): Promise<SandboxStore> {
    if (!dataDir) return new SandboxStore(await mkdtemp(path.join(tmpdir(), 'kling-sandbox-')), undefined);
    const store = new SandboxStore(path.join(dataDir, 'media'), path.join(dataDir, 'records'));
    mkdirSync(store.mediaDir, { recursive: true });
    for (const kind of ['tasks', 'audio'])
      mkdirSync(path.join(dataDir, 'records', kind), { recursive: true });
    store.#load();
    return store;
  }

  #load(): void {
    const dir = this.#persistDir!;
    for (const name of readdirSync(path.join(dir, 'tasks'))) {
      const task = JSON.parse(readFileSync(path.join(dir, 'tasks', name), 'utf8')) as StoredTask;
      this.#index(task);
    }
    for (const name of readdirSync(path.join(dir, 'audio'))) {
      const audio = JSON.parse(readFileSync(path.join(dir, 'audio', name), 'utf8')) as StoredAudio;
      this.#audio.set(audio.id, audio);
    }
  }

  #index(task: StoredTask): void {
    this.#tasks.set(task.record.task_id, task);
    const status = task.record.task_status;
    if (status === 'submitted' || status === 'processing') this.#unfinished.add(task.record.task_id);
    else this.#unfinished.delete(task.record.task_id);
    const externalId = task.record.task_info?.external_task_id;
    if (externalId) this.#byExternalId.set(externalId, task.record.task_id);
  }

  /** A folder for one task's or one audio's files. */
  folderFor(id: string): string {
    const folder = path.join(this.mediaDir, id);
    mkdirSync(folder, { recursive: true });
    return folder;
  }

  saveTask(task: StoredTask): void {
    this.#index(task);
    if (this.#persistDir) {
      writeFileSync(
        path.join(this.#persistDir, 'tasks', `${task.record.task_id}.json`),
        JSON.stringify(task),
      );
    }
  }

  saveAudio(audio: StoredAudio): void {
    this.#audio.set(audio.id, audio);
    if (this.#persistDir) {
      writeFileSync(path.join(this.#persistDir, 'audio', `${audio.id}.json`), JSON.stringify(audio));
    }
  }

  #alive(createdAt: number | undefined, nowMs: number): boolean {
    return createdAt === undefined || nowMs - createdAt < RETENTION_MS;
  }

  /** `{id}` is tried as a task id first, then as an external task id (§11). Expired tasks are unknown. */
  findTask(id: string, nowMs: number): StoredTask | undefined {
    const task = this.#tasks.get(id) ?? this.#tasks.get(this.#byExternalId.get(id) ?? '');
    return task && this.#alive(task.record.created_at, nowMs) ? task : undefined;
  }

  hasExternalId(externalId: string, nowMs: number): boolean {
    const taskId = this.#byExternalId.get(externalId);
    return taskId !== undefined && this.findTask(taskId, nowMs) !== undefined;
  }

  findAudio(id: string, nowMs: number): StoredAudio | undefined {
    const audio = this.#audio.get(id);
    return audio && this.#alive(audio.createdAt, nowMs) ? audio : undefined;
  }

  /** Live tasks, newest first by `created_at`, ties broken by `task_id` descending (§11). */
  listTasks(nowMs: number): StoredTask[] {
    return [...this.#tasks.values()]
      .filter((task) => this.#alive(task.record.created_at, nowMs))
      .sort(
        (a, b) =>
          (b.record.created_at ?? 0) - (a.record.created_at ?? 0) ||
          (BigInt(b.record.task_id) > BigInt(a.record.task_id) ? 1 : -1),
      );
  }

  /** Tasks holding a concurrency slot: `submitted` and `processing`. */
  runningCount(nowMs: number): number {
    let running = 0;
    for (const id of this.#unfinished) {
      if (this.#alive(this.#tasks.get(id)?.record.created_at, nowMs)) running++;
    }
    return running;
  }

  unfinishedTasks(): StoredTask[] {
    return [...this.#unfinished].map((id) => this.#tasks.get(id)!);
  }

  get taskCount(): number {
    return this.#tasks.size;
  }

  close(): void {
    if (this.#temporary) rmSync(this.mediaDir, { recursive: true, force: true });
  }
}
