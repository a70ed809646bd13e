/**
 * The one table of Kling Avatar API limits. Schemas, the validator, media inspection, the sandbox,
 * the CLI, the n8n option lists and the price estimate all read from here, so a rule lives once.
 *
 * Sources: ../shared/docs/kling-avatar-api.md §3 (create), §4.2 (list), §8 (TTS), §9 (pricing).
 * History: audio was 2–60 s until 2025-12-04; since then 2–300 s (see `AUDIO_DURATION_HISTORY`).
 */

export const IMAGE_FORMATS = ['jpg', 'jpeg', 'png'] as const;
/** Formats media inspection can recognise from content; `jpg` and `jpeg` are the same bytes. */
export const IMAGE_CONTENT_TYPES = ['jpeg', 'png'] as const;
export const AUDIO_FORMATS = ['mp3', 'wav', 'm4a', 'aac'] as const;
export const MODES = ['std', 'pro'] as const;
export const TASK_STATUSES = ['submitted', 'processing', 'succeed', 'failed'] as const;
export const TTS_LANGUAGES = ['zh', 'en'] as const;

export type ImageFormat = (typeof IMAGE_CONTENT_TYPES)[number];
export type AudioFormat = (typeof AUDIO_FORMATS)[number];
export type Mode = (typeof MODES)[number];
export type TaskStatus = (typeof TASK_STATUSES)[number];
export type TtsLanguage = (typeof TTS_LANGUAGES)[number];

const MB = 1024 * 1024;

export const LIMITS = {
  image: {
    formats: IMAGE_FORMATS,
    /** Decoded bytes. Kling says "10MB"; we read it as 10 MiB, the larger reading, and say so in errors. */
    maxBytes: 10 * MB,
    minSidePx: 300,
    /** Width ÷ height must lie in [1/2.5, 2.5]. */
    minAspectRatio: 1 / 2.5,
    maxAspectRatio: 2.5,
  },
  audio: {
    formats: AUDIO_FORMATS,
    maxBytes: 5 * MB,
    minDurationSeconds: 2,
    maxDurationSeconds: 300,
    /** `audio_id` values from TTS expire after this many days. */
    audioIdMaxAgeDays: 30,
  },
  prompt: { maxLength: 2500 },
  mode: { values: MODES, default: 'std' as Mode },
  list: {
    pageNum: { min: 1, max: 1000, default: 1 },
    pageSize: { min: 1, max: 500, default: 30 },
  },
  tts: {
    text: { maxLength: 1000 },
    voiceSpeed: { min: 0.8, max: 2.0, default: 1.0, decimals: 1 },
    languages: TTS_LANGUAGES,
    defaultLanguage: 'zh' as TtsLanguage,
  },
  /** Media URLs (image, sound_file) must answer within this; slower counts as unreachable (§11). */
  mediaUrlTimeoutMs: 10_000,
  /** Result media and task records are deleted this many days after creation. */
  retentionDays: 30,
  /** Standard Webhooks timestamp tolerance, seconds either side of now. */
  webhookToleranceSeconds: 300,
  jwt: { lifetimeSeconds: 1800, notBeforeSkewSeconds: 5 },
} as const;

/** Units charged per second of output video (§9). */
export const PRICE_UNITS_PER_SECOND: Record<Mode, number> = { std: 0.4, pro: 0.8 };
/** Units charged per text-to-speech call (§8). */
export const TTS_PRICE_UNITS = 0.05;
/** Output resolution by mode (§9; inferred from Kling's price table). */
export const OUTPUT_RESOLUTION: Record<Mode, { width: number; height: number }> = {
  std: { width: 1280, height: 720 },
  pro: { width: 1920, height: 1080 },
};

/** How the audio-length limit changed; kept so docs drift (2–60 s quoted by resellers) is explained. */
export const AUDIO_DURATION_HISTORY = [
  { until: '2025-12-04', minSeconds: 2, maxSeconds: 60 },
  { since: '2025-12-04', minSeconds: 2, maxSeconds: 300 },
] as const;

export const BASE_URLS = {
  singapore: 'https://api-singapore.klingai.com',
  beijing: 'https://api-beijing.klingai.com',
} as const;
export type Region = keyof typeof BASE_URLS;
export const DEFAULT_BASE_URL = BASE_URLS.singapore;

export const PATHS = {
  avatarTasks: '/v1/videos/avatar/image2video',
  tts: '/v1/audio/tts',
} as const;

/**
 * Units Kling would charge for a video of `durationSeconds`: duration rounded to the nearest second
 * times the mode's rate (§11 rounding; real rounding is undocumented), as a decimal string.
 */
export function estimateUnits(durationSeconds: number, mode: Mode = 'std'): number {
  const seconds = Math.round(durationSeconds);
  return Math.round(seconds * PRICE_UNITS_PER_SECOND[mode] * 1000) / 1000;
}

/** `4.8`, `12`, `0.05`: a unit amount as Kling writes it (decimal string, no trailing zeros). */
export function formatUnits(units: number): string {
  return String(Math.round(units * 1000) / 1000);
}

/** Human text for a byte limit: `10 MB (10485760 bytes)`. */
export function describeBytes(bytes: number): string {
  return `${Math.round((bytes / MB) * 100) / 100} MB (${bytes} bytes)`;
}
