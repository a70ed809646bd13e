import { AUDIO_FORMATS, IMAGE_FORMATS, LIMITS, MODES, TTS_LANGUAGES } from './limits.js';

/**
 * Stable identifiers for every validation rule: one per row of the sandbox table (API reference §11),
 * plus `field_type` (a field of the wrong JSON type), `*_unreadable` (right format, unreadable header),
 * and the text-to-speech and list-query rules.
 */
export type ValidationCode =
  | 'body_invalid'
  | 'field_type'
  | 'image_missing'
  | 'base64_prefix'
  | 'base64_invalid'
  | 'url_unreachable'
  | 'image_format'
  | 'image_too_large'
  | 'image_too_small'
  | 'image_aspect_ratio'
  | 'image_unreadable'
  | 'audio_source_count'
  | 'audio_id_invalid'
  | 'audio_format'
  | 'audio_too_large'
  | 'audio_duration'
  | 'audio_unreadable'
  | 'prompt_too_long'
  | 'mode_invalid'
  | 'watermark_invalid'
  | 'callback_url_invalid'
  | 'external_task_id_invalid'
  | 'external_task_id_duplicate'
  | 'tts_text_missing'
  | 'tts_text_too_long'
  | 'tts_voice_id_missing'
  | 'tts_voice_language_invalid'
  | 'tts_voice_speed_invalid'
  | 'page_num_invalid'
  | 'page_size_invalid';

export interface ValidationProblem {
  /** The field, dotted for nested ones (`watermark_info.enabled`); `''` for the body itself. */
  path: string;
  code: ValidationCode;
  /** For people: names the field, the limit and the fix. */
  message: string;
  /** Exactly the `message` the Kling sandbox answers for this rule (API reference §11). */
  apiMessage: string;
}

const MiB = 1024 * 1024;

function list(values: readonly string[]): string {
  return values.length < 2
    ? values.join('')
    : `${values.slice(0, -1).join(', ')} or ${values[values.length - 1]}`;
}

/**
 * The sandbox's `message` per rule, built from LIMITS so a limit change updates the wording too.
 * Exported so the sandbox answers with the very same strings.
 */
export const API_MESSAGES = {
  bodyInvalid: 'invalid request parameters',
  fieldType: 'invalid request parameters',
  missing: (field: string) => `${field} can not be null`,
  base64Invalid: 'File is not in a valid base64 format',
  urlUnreachable: (field: string) => `${field} url can not be accessed`,
  imageFormat: `image format must be ${list(IMAGE_FORMATS)}`,
  imageTooLarge: `image size must not exceed ${LIMITS.image.maxBytes / MiB}MB`,
  imageTooSmall: `image width and height must be at least ${LIMITS.image.minSidePx}px`,
  imageAspectRatio: `image aspect ratio must be between 1:${LIMITS.image.maxAspectRatio} and ${LIMITS.image.maxAspectRatio}:1`,
  audioSourceCount: 'exactly one of audio_id and sound_file must be provided',
  audioIdInvalid: 'audio_id is invalid or expired',
  audioFormat: `sound_file format must be ${list(AUDIO_FORMATS)}`,
  audioTooLarge: `sound_file size must not exceed ${LIMITS.audio.maxBytes / MiB}MB`,
  audioDuration: (field: string) =>
    `${field} duration must be between ${LIMITS.audio.minDurationSeconds}s and ${LIMITS.audio.maxDurationSeconds}s`,
  promptTooLong: `prompt length must not exceed ${LIMITS.prompt.maxLength} characters`,
  modeInvalid: `mode must be one of ${MODES.join(', ')}`,
  watermarkInvalid: 'watermark_info.enabled must be a boolean',
  callbackUrlInvalid: 'callback_url must be an absolute http or https URL',
  externalTaskIdInvalid: 'external_task_id must be a non-empty string',
  externalTaskIdDuplicate: (value: string) => `external_task_id already exists: ${value}`,
  ttsTextTooLong: `text length must not exceed ${LIMITS.tts.text.maxLength} characters`,
  ttsVoiceLanguage: `voice_language must be one of ${TTS_LANGUAGES.join(', ')}`,
  ttsVoiceSpeed: 'voice_speed must be a number',
  pageNum: `pageNum must be an integer between ${LIMITS.list.pageNum.min} and ${LIMITS.list.pageNum.max}`,
  pageSize: `pageSize must be an integer between ${LIMITS.list.pageSize.min} and ${LIMITS.list.pageSize.max}`,
} as const;

/** Kling's business code for a problem: 1200 when the body itself is unusable, 1201 for a bad field. */
export function apiErrorCode(code: ValidationCode): 1200 | 1201 {
  return code === 'body_invalid' || code === 'field_type' ? 1200 : 1201;
}
