/**
 * Wire types of the Avatar API (API reference §3–§5, §8), hand-written with docs. The zod schemas in
 * `schemas.ts` are checked against these at compile time; the portable entry uses only these types.
 */
import type { Mode, TaskStatus, TtsLanguage } from './limits.js';

/** Body of `POST /v1/videos/avatar/image2video`. */
export interface CreateTaskRequest {
  /** Portrait: raw base64 (no `data:` prefix) or an http(s) URL. JPG/PNG, ≤ 10 MB, sides ≥ 300 px. */
  image: string;
  /** Audio made by the TTS endpoint within the last 30 days. Exactly one of `audio_id` / `sound_file`. */
  audio_id?: string;
  /** Speech: raw base64 or an http(s) URL. MP3/WAV/M4A/AAC, ≤ 5 MB, 2–300 s. */
  sound_file?: string;
  /** Actions, emotions, camera moves; ≤ 2500 characters. */
  prompt?: string;
  /** `std` (720p, cheaper, default) or `pro` (1080p). */
  mode?: Mode;
  /** `{ enabled: true }` also produces a watermarked copy. */
  watermark_info?: { enabled: boolean };
  /** Kling POSTs the task record here on every status change. */
  callback_url?: string;
  /** Your own id, unique per account; lets a retry find the task instead of paying again. */
  external_task_id?: string;
}

export interface TaskVideo {
  id: string;
  /** Hotlink-protected; deleted 30 days after creation. */
  url: string;
  /** Present when watermarking was requested. */
  watermark_url?: string;
  /** Seconds, as a decimal string (`"12.04"`). */
  duration: string;
}

/** The task record (`data` of a query; the body of a legacy callback). */
export interface TaskRecord {
  task_id: string;
  task_status: TaskStatus;
  task_status_msg?: string;
  task_info?: { external_task_id?: string; [key: string]: unknown };
  task_result?: { videos?: TaskVideo[]; [key: string]: unknown };
  watermark_info?: { enabled: boolean };
  /** Units charged (resource packs), decimal string; only once the task succeeded. */
  final_unit_deduction?: string;
  final_balance_deduction?: { quota?: string; list_price?: string };
  /** Unix milliseconds. */
  created_at?: number;
  updated_at?: number;
  [key: string]: unknown;
}

export interface ApiEnvelope<Data> {
  code: number;
  message: string;
  request_id?: string;
  data?: Data | null;
}

export interface ListTasksQuery {
  /** 1–1000, default 1. */
  pageNum?: number;
  /** 1–500, default 30. */
  pageSize?: number;
}

/** Body of `POST /v1/audio/tts`. */
export interface TtsRequest {
  /** ≤ 1000 characters. */
  text: string;
  voice_id: string;
  voice_language?: TtsLanguage;
  /** 0.8–2.0, one decimal; Kling rounds out-of-range values. */
  voice_speed?: number;
}

export interface TtsAudio {
  /** Use as `audio_id` in an avatar create (valid 30 days). */
  id: string;
  url: string;
  duration: string;
}

export interface TtsTaskRecord {
  task_id: string;
  task_status: TaskStatus;
  task_status_msg?: string;
  task_result?: { audios?: TtsAudio[] };
  final_unit_deduction?: string;
  created_at?: number;
  updated_at?: number;
  [key: string]: unknown;
}

export const TERMINAL_STATUSES: readonly TaskStatus[] = ['succeed', 'failed'];

export function isTerminalStatus(status: string): boolean {
  return status === 'succeed' || status === 'failed';
}
