/**
 * The adapter's records and their public JSON shapes. Kling's vocabulary (`succeed`, `task_id`) stays at
 * the edge; clients see plain English statuses and the adapter's own stable ids.
 */
import { randomBytes } from 'node:crypto';
import { firstVideo, type TaskRecord } from '@kling-avatar/core';

export const VIDEO_STATUSES = ['creating', 'submitted', 'processing', 'succeeded', 'failed'] as const;
export type VideoStatus = (typeof VIDEO_STATUSES)[number];

/** Event types; one per status a video reaches. */
export const EVENT_TYPES = [
  'avatar_video.submitted',
  'avatar_video.processing',
  'avatar_video.succeeded',
  'avatar_video.failed',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** What a hook subscribes to: one final outcome, or every status change. */
export const HOOK_EVENTS = [
  'avatar_video.succeeded',
  'avatar_video.failed',
  'avatar_video.status_changed',
] as const;
export type HookEvent = (typeof HOOK_EVENTS)[number];

/** Short spellings no-code users type, mapped to the canonical names. */
export const HOOK_EVENT_ALIASES: Record<string, HookEvent> = {
  succeeded: 'avatar_video.succeeded',
  success: 'avatar_video.succeeded',
  'video.succeeded': 'avatar_video.succeeded',
  failed: 'avatar_video.failed',
  failure: 'avatar_video.failed',
  'video.failed': 'avatar_video.failed',
  any: 'avatar_video.status_changed',
  '*': 'avatar_video.status_changed',
  all: 'avatar_video.status_changed',
  changed: 'avatar_video.status_changed',
  status_changed: 'avatar_video.status_changed',
  'avatar_video.*': 'avatar_video.status_changed',
};

export function normalizeHookEvent(value: string): HookEvent | undefined {
  if ((HOOK_EVENTS as readonly string[]).includes(value)) return value as HookEvent;
  const alias = value.toLowerCase();
  return Object.hasOwn(HOOK_EVENT_ALIASES, alias) ? HOOK_EVENT_ALIASES[alias] : undefined;
}

/** Hook events that receive an event of `type`. */
export function hookEventsFor(type: EventType): HookEvent[] {
  if (type === 'avatar_video.succeeded') return ['avatar_video.succeeded', 'avatar_video.status_changed'];
  if (type === 'avatar_video.failed') return ['avatar_video.failed', 'avatar_video.status_changed'];
  return ['avatar_video.status_changed'];
}

const RANK: Record<VideoStatus, number> = {
  creating: 0,
  submitted: 1,
  processing: 2,
  succeeded: 3,
  failed: 3,
};

/** Statuses only move forward; duplicate and out-of-order callbacks cannot move a video back. */
export function isForward(from: VideoStatus, to: VideoStatus): boolean {
  return RANK[to] > RANK[from];
}

export function isFinal(status: VideoStatus): boolean {
  return status === 'succeeded' || status === 'failed';
}

export type Mode = 'std' | 'pro';
export type AudioSource = 'file' | 'url' | 'base64' | 'audio_id' | 'tts';

export interface VideoRow {
  id: string;
  owner: string;
  status: VideoStatus;
  klingTaskId: string | null;
  klingStatus: string | null;
  callbackTokenHash: string;
  clientReference: string | null;
  mode: Mode;
  prompt: string | null;
  watermark: boolean;
  audioSource: AudioSource;
  videoUrl: string | null;
  watermarkVideoUrl: string | null;
  durationSeconds: string | null;
  unitsCharged: string | null;
  errorMessage: string | null;
  createdAt: number;
  updatedAt: number;
  completedAt: number | null;
  lastCallbackAt: number | null;
  nextPollAt: number | null;
}

/**
 * A video as the create route first records it: `creating`, with nothing from Kling yet. `fields`
 * overrides any default (tests and the benchmark seed videos in other states with it).
 */
export function newVideoRow(
  fields: Pick<VideoRow, 'owner' | 'callbackTokenHash'> & Partial<VideoRow>,
  now = Date.now(),
): VideoRow {
  return {
    id: newId('vid', now),
    status: 'creating',
    klingTaskId: null,
    klingStatus: null,
    clientReference: null,
    mode: 'std',
    prompt: null,
    watermark: false,
    audioSource: 'base64',
    videoUrl: null,
    watermarkVideoUrl: null,
    durationSeconds: null,
    unitsCharged: null,
    errorMessage: null,
    createdAt: now,
    updatedAt: now,
    completedAt: null,
    lastCallbackAt: null,
    nextPollAt: null,
    ...fields,
  };
}

/** What a Kling task record (or a local decision) says about a video. */
export interface TaskSnapshot {
  status: VideoStatus;
  klingStatus: string | null;
  klingTaskId?: string | null;
  videoUrl?: string | null;
  watermarkVideoUrl?: string | null;
  durationSeconds?: string | null;
  unitsCharged?: string | null;
  errorMessage?: string | null;
}

export function snapshotFromTask(task: TaskRecord): TaskSnapshot {
  const video = firstVideo(task);
  const status: VideoStatus =
    task.task_status === 'succeed'
      ? 'succeeded'
      : task.task_status === 'failed'
        ? 'failed'
        : task.task_status;
  return {
    status,
    klingStatus: task.task_status,
    klingTaskId: task.task_id,
    videoUrl: video?.url ?? null,
    watermarkVideoUrl: video?.watermark_url ?? null,
    durationSeconds: video?.duration ?? null,
    unitsCharged: task.final_unit_deduction ?? null,
    errorMessage:
      task.task_status === 'failed' ? task.task_status_msg || 'Kling reported the task as failed' : null,
  };
}

export interface HookRow {
  id: string;
  owner: string;
  targetUrl: string;
  event: HookEvent;
  secret: string;
  createdAt: number;
}

export interface EventRow {
  id: string;
  owner: string;
  videoId: string;
  type: EventType;
  /** The exact JSON bytes every subscriber receives and that are signed. */
  payload: string;
  createdAt: number;
}

export type DeliveryStatus = 'pending' | 'delivering' | 'succeeded' | 'dead' | 'cancelled';

export interface DeliveryRow {
  id: string;
  eventId: string;
  hookId: string;
  owner: string;
  targetUrl: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: number | null;
  windowStartedAt: number;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: number;
  updatedAt: number;
  deliveredAt: number | null;
  eventType?: EventType;
}

/** A delivery claimed for one attempt: everything needed to send it without another query. */
export interface ClaimedDelivery {
  id: string;
  eventId: string;
  hookId: string;
  targetUrl: string;
  /** Attempt number of this claim (1 for the first send). */
  attempt: number;
  windowStartedAt: number;
  payload: string;
  secret: string;
}

export interface IdempotencyRow {
  owner: string;
  key: string;
  requestHash: string;
  videoId: string | null;
  responseStatus: number | null;
  responseBody: string | null;
  createdAt: number;
}

// ---------------------------------------------------------------------------------------------------
// Ids: a prefix, 10 characters of millisecond time and 16 of randomness in Crockford base32, so ids sort
// by creation time and are safe in URLs.

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

let lastTime = -1;
let lastTail: number[] = [];

/**
 * Monotonic within a process (as ULIDs are): ids made in the same millisecond count up, so "newest
 * first" is exact for one replica and stable across replicas.
 */
export function newId(prefix: 'vid' | 'hook' | 'evt' | 'dlv', now = Date.now()): string {
  let time = Math.max(now, lastTime);
  let tail: number[];
  if (time === lastTime) {
    tail = [...lastTail];
    let index = tail.length - 1;
    while (index >= 0 && tail[index] === 31) tail[index--] = 0;
    if (index < 0) {
      time += 1;
      tail = randomTail();
    } else tail[index]! += 1;
  } else {
    tail = randomTail();
  }
  lastTime = time;
  lastTail = tail;
  let timeText = '';
  let value = time;
  for (let index = 0; index < 10; index++) {
    timeText = CROCKFORD[value % 32] + timeText;
    value = Math.floor(value / 32);
  }
  return `${prefix}_${timeText}${tail.map((digit) => CROCKFORD[digit]).join('')}`;
}

function randomTail(): number[] {
  const random = randomBytes(16);
  // The top bit of the first digit stays clear, leaving room to count up within one millisecond.
  return [...random].map((byte, index) => (index === 0 ? byte & 15 : byte & 31));
}

export const ID_PATTERN = /^(vid|hook|evt|dlv)_[0-9A-HJKMNP-TV-Z]{26}$/;

// ---------------------------------------------------------------------------------------------------
// Public JSON

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

export function videoJson(video: VideoRow) {
  return {
    id: video.id,
    object: 'avatar_video' as const,
    status: video.status,
    client_reference: video.clientReference,
    mode: video.mode,
    prompt: video.prompt,
    watermark: video.watermark,
    audio_source: video.audioSource,
    video_url: video.videoUrl,
    watermark_video_url: video.watermarkVideoUrl,
    duration_seconds: video.durationSeconds === null ? null : Number(video.durationSeconds),
    units_charged: video.unitsCharged,
    error: video.errorMessage === null ? null : { message: video.errorMessage },
    kling_task_id: video.klingTaskId,
    kling_status: video.klingStatus,
    created_at: iso(video.createdAt),
    updated_at: iso(video.updatedAt),
    completed_at: iso(video.completedAt),
  };
}

export type VideoJson = ReturnType<typeof videoJson>;

export function eventTypeFor(status: VideoStatus): EventType | undefined {
  return status === 'creating' ? undefined : (`avatar_video.${status}` as EventType);
}

/** The delivery body: serialised once, stored, and sent byte for byte to every subscriber. */
export function renderEventPayload(
  eventId: string,
  type: EventType,
  createdAt: number,
  video: VideoRow,
): string {
  return JSON.stringify({
    id: eventId,
    object: 'event',
    type,
    created_at: iso(createdAt),
    data: videoJson(video),
  });
}

export function hookJson(hook: HookRow, options: { includeSecret?: boolean } = {}) {
  return {
    id: hook.id,
    object: 'hook' as const,
    target_url: hook.targetUrl,
    event: hook.event,
    created_at: iso(hook.createdAt),
    ...(options.includeSecret ? { secret: hook.secret } : {}),
  };
}

export function deliveryJson(delivery: DeliveryRow) {
  return {
    id: delivery.id,
    object: 'delivery' as const,
    event_id: delivery.eventId,
    event_type: delivery.eventType ?? null,
    hook_id: delivery.hookId,
    target_url: delivery.targetUrl,
    status: delivery.status,
    attempts: delivery.attempts,
    next_attempt_at: delivery.status === 'pending' ? iso(delivery.nextAttemptAt) : null,
    last_status_code: delivery.lastStatusCode,
    last_error: delivery.lastError,
    created_at: iso(delivery.createdAt),
    updated_at: iso(delivery.updatedAt),
    delivered_at: iso(delivery.deliveredAt),
  };
}
