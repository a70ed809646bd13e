/**
 * Keeping videos in step with Kling: applying callbacks and polled task records to storage (which
 * queues deliveries in the same transaction), refreshing a task from Kling after an unsigned callback,
 * and the reconciler that polls tasks whose callbacks never came.
 */
import {
  type CreateTaskRequest,
  KlingApiError,
  type TaskRecord,
  type TtsRequest,
  type TtsTaskRecord,
} from '@kling-avatar/core';
import type { FastifyBaseLogger } from 'fastify';
import type { AdapterConfig } from './config.js';
import type { AdapterMetrics } from './metrics.js';
import { isFinal, renderEventPayload, snapshotFromTask, type TaskSnapshot, type VideoRow } from './model.js';
import type { ApplyUpdateOptions, ApplyUpdateResult, Storage } from './storage/index.js';

/** The part of core's `KlingAvatarClient` the adapter uses (tests may substitute a fake). */
export interface KlingGateway {
  createTask(
    request: CreateTaskRequest,
    options?: { signal?: AbortSignal; validate?: 'local' | false },
  ): Promise<TaskRecord>;
  getTask(id: string, options?: { signal?: AbortSignal }): Promise<TaskRecord>;
  createTts(request: TtsRequest, options?: { signal?: AbortSignal }): Promise<TtsTaskRecord>;
}

export interface TaskSyncOptions {
  storage: Storage;
  kling: KlingGateway;
  config: AdapterConfig['reconcile'];
  metrics: AdapterMetrics;
  logger: FastifyBaseLogger;
  /** Called when deliveries were queued, to wake the delivery worker. */
  onDeliveriesQueued: () => void;
  now?: () => number;
}

/** Whether a Kling task record belongs to this video (we set `external_task_id` to the video id). */
export function taskBelongsTo(task: TaskRecord, video: VideoRow): boolean {
  if (task.task_info?.external_task_id === video.id) return true;
  return video.klingTaskId !== null && task.task_id === video.klingTaskId;
}

export class TaskSync {
  readonly #options: TaskSyncOptions;
  readonly #now: () => number;
  /** Videos being refreshed in this process, with whether another refresh was asked for meanwhile. */
  readonly #refreshing = new Map<string, { again: boolean }>();
  readonly #pending = new Set<Promise<void>>();

  constructor(options: TaskSyncOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  async apply(
    videoId: string,
    snapshot: TaskSnapshot,
    options: Omit<ApplyUpdateOptions, 'now' | 'nextPollAt'> & {
      now?: number;
      nextPollAt?: number | null;
    } = {},
  ): Promise<ApplyUpdateResult> {
    const now = options.now ?? this.#now();
    const result = await this.#options.storage.applyTaskUpdate(
      videoId,
      snapshot,
      { ...options, now, nextPollAt: options.nextPollAt ?? now + this.#options.config.afterMs },
      renderEventPayload,
    );
    if (result.deliveries > 0) this.#options.onDeliveriesQueued();
    return result;
  }

  /**
   * Read the task from Kling and apply it. `creating` videos (the create call never finished, e.g. a
   * crash) are looked up by external id; if Kling never got them they fail with nothing charged.
   */
  async refresh(video: VideoRow, reason: 'callback' | 'reconcile'): Promise<void> {
    const { kling, metrics, logger, config, storage } = this.#options;
    const now = this.#now();
    if (isFinal(video.status)) return;
    const nextPollAt = now + (reason === 'reconcile' ? config.everyMs : config.afterMs);
    let task: TaskRecord;
    try {
      task = await kling.getTask(video.klingTaskId ?? video.id);
    } catch (error) {
      if (error instanceof KlingApiError && error.code === 1203) {
        if (video.status === 'creating' && now - video.createdAt >= config.createTimeoutMs) {
          metrics.reconcilePolls.inc({ result: 'abandoned' });
          await this.apply(video.id, {
            status: 'failed',
            klingStatus: null,
            errorMessage:
              'The create request was interrupted before Kling accepted it; nothing was charged. Create the video again.',
          });
          return;
        }
      }
      metrics.reconcilePolls.inc({ result: 'error' });
      logger.warn({ err: error, videoId: video.id }, 'could not read the task from Kling; will poll again');
      await storage.touchVideo(video.id, { nextPollAt: now + config.everyMs, now }).catch(() => {});
      return;
    }
    if (!taskBelongsTo(task, video)) {
      metrics.reconcilePolls.inc({ result: 'mismatch' });
      logger.error({ videoId: video.id, taskId: task.task_id }, 'Kling returned a task of another video');
      await storage.touchVideo(video.id, { nextPollAt: now + config.everyMs, now }).catch(() => {});
      return;
    }
    const result = await this.apply(video.id, snapshotFromTask(task), { now, nextPollAt });
    metrics.reconcilePolls.inc({ result: result.changed ? 'changed' : 'unchanged' });
  }

  /** Refresh in the background (after answering an unsigned callback); coalesces repeats per video. */
  scheduleRefresh(videoId: string): void {
    const running = this.#refreshing.get(videoId);
    if (running) {
      running.again = true;
      return;
    }
    const state = { again: false };
    this.#refreshing.set(videoId, state);
    const task = (async () => {
      try {
        do {
          state.again = false;
          const video = await this.#options.storage.getVideoById(videoId);
          if (!video) return;
          await this.refresh(video, 'callback');
        } while (state.again);
      } catch (error) {
        // The video keeps `next_poll_at = now`, so the reconciler retries it.
        this.#options.logger.warn({ err: error, videoId }, 'refresh after callback failed');
      } finally {
        this.#refreshing.delete(videoId);
      }
    })();
    this.#pending.add(task);
    task.finally(() => this.#pending.delete(task));
  }

  /** Wait for background refreshes (shutdown, tests). */
  async idle(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all([...this.#pending]);
  }
}

/** Periodically polls tasks whose callbacks are overdue (and resolves interrupted creates). */
export class Reconciler {
  readonly #sync: TaskSync;
  readonly #storage: Storage;
  readonly #config: AdapterConfig['reconcile'];
  readonly #logger: FastifyBaseLogger;
  readonly #now: () => number;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #stopped = true;
  #lastPurge = 0;
  readonly #retentionMs: number;

  constructor(options: {
    sync: TaskSync;
    storage: Storage;
    config: AdapterConfig['reconcile'];
    logger: FastifyBaseLogger;
    /** Finished deliveries and old events are deleted after this. Default 30 days. */
    retentionMs?: number;
    now?: () => number;
  }) {
    this.#retentionMs = options.retentionMs ?? 30 * 86_400_000;
    this.#sync = options.sync;
    this.#storage = options.storage;
    this.#config = options.config;
    this.#logger = options.logger;
    this.#now = options.now ?? Date.now;
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#schedule(0);
  }

  #schedule(delay: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#running = this.tick()
        .then(() => undefined)
        .catch((error) => this.#logger.error({ err: error }, 'reconciler pass failed'))
        .finally(() => this.#schedule(this.#config.intervalMs));
    }, delay);
  }

  /** One pass: poll every video whose poll time has come. */
  async tick(): Promise<number> {
    let polled = 0;
    for (;;) {
      const now = this.#now();
      // The claim pushes next_poll_at forward, so another replica does not poll the same tasks meanwhile.
      const videos = await this.#storage.claimVideosToPoll(now, 25, now + this.#config.everyMs);
      for (const video of videos) await this.#sync.refresh(video, 'reconcile');
      polled += videos.length;
      if (videos.length < 25 || this.#stopped) break;
    }
    const now = this.#now();
    if (now - this.#lastPurge > 3_600_000) {
      this.#lastPurge = now;
      await this.#storage.purgeExpired(now - 86_400_000, now - this.#retentionMs);
    }
    return polled;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
  }
}
