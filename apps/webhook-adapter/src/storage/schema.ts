/**
 * Table definitions shared by both backends. Times are Unix milliseconds (BIGINT), booleans 0/1 and
 * event payloads the exact text that is signed and sent, so both dialects read the same.
 */
import type { DeliveryRow, EventRow, HookRow, IdempotencyRow, VideoRow } from '../model.js';

export function schemaStatements(dialect: 'sqlite' | 'postgres'): string[] {
  const bigint = dialect === 'postgres' ? 'BIGINT' : 'INTEGER';
  return [
    `CREATE TABLE IF NOT EXISTS videos (
      id TEXT PRIMARY KEY,
      owner TEXT NOT NULL,
      status TEXT NOT NULL,
      kling_task_id TEXT,
      kling_status TEXT,
      callback_token_hash TEXT NOT NULL,
      client_reference TEXT,
      mode TEXT NOT NULL,
      prompt TEXT,
      watermark INTEGER NOT NULL,
      audio_source TEXT NOT NULL,
      video_url TEXT,
      watermark_video_url TEXT,
      duration_seconds TEXT,
      units_charged TEXT,
      error_message TEXT,
      created_at ${bigint} NOT NULL,
      updated_at ${bigint} NOT NULL,
      completed_at ${bigint},
      last_callback_at ${bigint},
      next_poll_at ${bigint}
    )`,
    'CREATE INDEX IF NOT EXISTS videos_owner_created ON videos (owner, created_at DESC, id DESC)',
    'CREATE INDEX IF NOT EXISTS videos_owner_status_created ON videos (owner, status, created_at DESC, id DESC)',
    'CREATE INDEX IF NOT EXISTS videos_next_poll ON videos (next_poll_at) WHERE next_poll_at IS NOT NULL',
    `CREATE TABLE IF NOT EXISTS idempotency_keys (
      owner TEXT NOT NULL,
      key TEXT NOT NULL,
      request_hash TEXT NOT NULL,
      video_id TEXT,
      response_status INTEGER,
      response_body TEXT,
      created_at ${bigint} NOT NULL,
      PRIMARY KEY (owner, key)
    )`,
    'CREATE INDEX IF NOT EXISTS idempotency_keys_created ON idempotency_keys (created_at)',
    `CREATE TABLE IF NOT EXISTS hooks (
      id TEXT PRIMARY KEY,
      owner TEXT NOT NULL,
      target_url TEXT NOT NULL,
      event TEXT NOT NULL,
      secret TEXT NOT NULL,
      created_at ${bigint} NOT NULL
    )`,
    'CREATE INDEX IF NOT EXISTS hooks_owner_event ON hooks (owner, event)',
    `CREATE TABLE IF NOT EXISTS events (
      id TEXT PRIMARY KEY,
      owner TEXT NOT NULL,
      video_id TEXT NOT NULL,
      type TEXT NOT NULL,
      payload TEXT NOT NULL,
      created_at ${bigint} NOT NULL,
      UNIQUE (video_id, type)
    )`,
    'CREATE INDEX IF NOT EXISTS events_owner_created ON events (owner, created_at DESC, id DESC)',
    `CREATE TABLE IF NOT EXISTS deliveries (
      id TEXT PRIMARY KEY,
      event_id TEXT NOT NULL,
      hook_id TEXT NOT NULL,
      owner TEXT NOT NULL,
      target_url TEXT NOT NULL,
      status TEXT NOT NULL,
      attempts INTEGER NOT NULL DEFAULT 0,
      next_attempt_at ${bigint},
      claimed_by TEXT,
      window_started_at ${bigint} NOT NULL,
      last_status_code INTEGER,
      last_error TEXT,
      created_at ${bigint} NOT NULL,
      updated_at ${bigint} NOT NULL,
      delivered_at ${bigint},
      UNIQUE (event_id, hook_id)
    )`,
    `CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (next_attempt_at)
      WHERE status IN ('pending', 'delivering')`,
    'CREATE INDEX IF NOT EXISTS deliveries_owner_status ON deliveries (owner, status, updated_at DESC)',
    'CREATE INDEX IF NOT EXISTS deliveries_hook_status ON deliveries (hook_id, status)',
    `CREATE TABLE IF NOT EXISTS delivery_attempts (
      delivery_id TEXT NOT NULL,
      attempt INTEGER NOT NULL,
      replica TEXT NOT NULL,
      started_at ${bigint} NOT NULL,
      PRIMARY KEY (delivery_id, attempt)
    )`,
    `CREATE TABLE IF NOT EXISTS inbound_deliveries (
      id TEXT PRIMARY KEY,
      received_at ${bigint} NOT NULL
    )`,
    'CREATE INDEX IF NOT EXISTS inbound_deliveries_received ON inbound_deliveries (received_at)',
  ];
}

/** Column list for videos, in the order `videoFromRow` reads. */
export const VIDEO_COLUMNS =
  'id, owner, status, kling_task_id, kling_status, callback_token_hash, client_reference, mode, prompt, watermark, audio_source, video_url, watermark_video_url, duration_seconds, units_charged, error_message, created_at, updated_at, completed_at, last_callback_at, next_poll_at';

type Row = Record<string, unknown>;

const num = (value: unknown): number => (typeof value === 'number' ? value : Number(value));
const numOrNull = (value: unknown): number | null =>
  value === null || value === undefined ? null : num(value);
const strOrNull = (value: unknown): string | null =>
  value === null || value === undefined ? null : String(value);

export function videoFromRow(row: Row): VideoRow {
  return {
    id: String(row.id),
    owner: String(row.owner),
    status: row.status as VideoRow['status'],
    klingTaskId: strOrNull(row.kling_task_id),
    klingStatus: strOrNull(row.kling_status),
    callbackTokenHash: String(row.callback_token_hash),
    clientReference: strOrNull(row.client_reference),
    mode: row.mode as VideoRow['mode'],
    prompt: strOrNull(row.prompt),
    watermark: num(row.watermark) === 1,
    audioSource: row.audio_source as VideoRow['audioSource'],
    videoUrl: strOrNull(row.video_url),
    watermarkVideoUrl: strOrNull(row.watermark_video_url),
    durationSeconds: strOrNull(row.duration_seconds),
    unitsCharged: strOrNull(row.units_charged),
    errorMessage: strOrNull(row.error_message),
    createdAt: num(row.created_at),
    updatedAt: num(row.updated_at),
    completedAt: numOrNull(row.completed_at),
    lastCallbackAt: numOrNull(row.last_callback_at),
    nextPollAt: numOrNull(row.next_poll_at),
  };
}

export function videoToParams(video: VideoRow): unknown[] {
  return [
    video.id,
    video.owner,
    video.status,
    video.klingTaskId,
    video.klingStatus,
    video.callbackTokenHash,
    video.clientReference,
    video.mode,
    video.prompt,
    video.watermark ? 1 : 0,
    video.audioSource,
    video.videoUrl,
    video.watermarkVideoUrl,
    video.durationSeconds,
    video.unitsCharged,
    video.errorMessage,
    video.createdAt,
    video.updatedAt,
    video.completedAt,
    video.lastCallbackAt,
    video.nextPollAt,
  ];
}

export function hookFromRow(row: Row): HookRow {
  return {
    id: String(row.id),
    owner: String(row.owner),
    targetUrl: String(row.target_url),
    event: row.event as HookRow['event'],
    secret: String(row.secret),
    createdAt: num(row.created_at),
  };
}

export function eventFromRow(row: Row): EventRow {
  return {
    id: String(row.id),
    owner: String(row.owner),
    videoId: String(row.video_id),
    type: row.type as EventRow['type'],
    payload: String(row.payload),
    createdAt: num(row.created_at),
  };
}

export function deliveryFromRow(row: Row): DeliveryRow {
  return {
    id: String(row.id),
    eventId: String(row.event_id),
    hookId: String(row.hook_id),
    owner: String(row.owner),
    targetUrl: String(row.target_url),
    status: row.status as DeliveryRow['status'],
    attempts: num(row.attempts),
    nextAttemptAt: numOrNull(row.next_attempt_at),
    windowStartedAt: num(row.window_started_at),
    lastStatusCode: numOrNull(row.last_status_code),
    lastError: strOrNull(row.last_error),
    createdAt: num(row.created_at),
    updatedAt: num(row.updated_at),
    deliveredAt: numOrNull(row.delivered_at),
    ...(row.event_type ? { eventType: row.event_type as DeliveryRow['eventType'] } : {}),
  };
}

export function idempotencyFromRow(row: Row): IdempotencyRow {
  return {
    owner: String(row.owner),
    key: String(row.key),
    requestHash: String(row.request_hash),
    videoId: strOrNull(row.video_id),
    responseStatus: numOrNull(row.response_status),
    responseBody: strOrNull(row.response_body),
    createdAt: num(row.created_at),
  };
}
