/**
 * Turning the adapter's flat create fields (what a Zapier/Make form produces) into a Kling create body.
 * This module only decides *which* field carries the image and the audio and checks the JSON types of
 * the adapter's own fields; every Kling rule (formats, sizes, pixels, durations, prompt length, modes,
 * base64 form, TTS limits) is checked by core's validators, and their problems are mapped back onto the
 * field names the caller used.
 */
import { createHash } from 'node:crypto';
import type { CreateTaskRequest } from '@kling-avatar/core';
import type { AudioSource, Mode } from './model.js';

export interface UploadedFile {
  kind: 'file';
  bytes: Buffer;
  filename?: string;
}

export type FieldValue = string | number | boolean | null | UploadedFile | unknown;

export interface FieldProblem {
  field: string;
  code: string;
  message: string;
}

export const IMAGE_FIELDS = ['image', 'image_url', 'image_base64', 'image_file'] as const;
export const AUDIO_FIELDS = [
  'audio',
  'audio_url',
  'audio_base64',
  'audio_file',
  'audio_id',
  'tts_text',
] as const;
export const TTS_FIELDS = ['tts_voice_id', 'tts_language', 'tts_speed'] as const;
export const OTHER_FIELDS = ['prompt', 'mode', 'watermark', 'client_reference'] as const;
export const ACCEPTED_FIELDS: readonly string[] = [
  ...IMAGE_FIELDS,
  ...AUDIO_FIELDS,
  ...TTS_FIELDS,
  ...OTHER_FIELDS,
];

export const MAX_CLIENT_REFERENCE_LENGTH = 256;

export interface TtsPlan {
  text: string;
  voice_id: string;
  voice_language: string;
  voice_speed?: number;
}

export interface CreatePlan {
  /** The Kling body without `callback_url` / `external_task_id`; `audio_id` is filled after TTS. */
  request: CreateTaskRequest;
  tts?: TtsPlan;
  imageField: string;
  audioField: string;
  audioSource: AudioSource;
  clientReference: string | null;
  mode: Mode;
  prompt: string | null;
  watermark: boolean;
  /** URL fields to run through the SSRF guard, by adapter field name. */
  urls: { field: string; url: string }[];
}

/** Stand-in `audio_id` while preflighting a TTS request (the real id exists only after the paid call). */
export const TTS_PLACEHOLDER_AUDIO_ID = 'tts-pending';

function isFile(value: unknown): value is UploadedFile {
  return typeof value === 'object' && value !== null && (value as UploadedFile).kind === 'file';
}

function present(value: unknown): boolean {
  return value !== undefined && value !== null && value !== '';
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (isFile(value)) return 'a file';
  return `a ${typeof value}`;
}

const HTTP_URL = /^https?:\/\//i;

/**
 * Check the flat fields and build the plan. Returns problems for the adapter's own field rules; Kling's
 * rules run later in core (see `mapCoreProblems`).
 */
export function buildCreatePlan(
  body: unknown,
): { ok: true; plan: CreatePlan } | { ok: false; problems: FieldProblem[] } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return {
      ok: false,
      problems: [
        {
          field: '',
          code: 'body_invalid',
          message: `The body must be a JSON object or a multipart form, got ${typeName(body)}.`,
        },
      ],
    };
  }
  const fields = body as Record<string, FieldValue>;
  const problems: FieldProblem[] = [];
  const unknown = Object.keys(fields).filter((name) => !ACCEPTED_FIELDS.includes(name));
  for (const name of unknown) {
    problems.push({
      field: name,
      code: 'unknown_field',
      message: `${name.slice(0, 64)}: unknown field. Accepted: ${ACCEPTED_FIELDS.join(', ')}.`,
    });
  }

  const text = (name: string, options: { maxLength?: number } = {}): string | undefined => {
    const value = fields[name];
    if (!present(value)) return undefined;
    if (typeof value !== 'string') {
      problems.push({
        field: name,
        code: 'field_type',
        message: `${name}: expected a string, got ${typeName(value)}.`,
      });
      return undefined;
    }
    if (options.maxLength !== undefined && value.length > options.maxLength) {
      problems.push({
        field: name,
        code: 'field_too_long',
        message: `${name}: at most ${options.maxLength} characters (got ${value.length}).`,
      });
      return undefined;
    }
    return value;
  };

  // Image: exactly one source.
  const imageFields = IMAGE_FIELDS.filter((name) => present(fields[name]));
  let image: string | undefined;
  let imageField = 'image';
  const urls: CreatePlan['urls'] = [];
  if (imageFields.length !== 1) {
    problems.push({
      field: imageFields.length === 0 ? 'image' : imageFields.join(','),
      code: 'image_source_count',
      message:
        imageFields.length === 0
          ? 'image: required. Send image_url (https), image_base64, or upload a file as image in a multipart form.'
          : `${imageFields.join(' and ')}: send exactly one image source.`,
    });
  } else {
    imageField = imageFields[0]!;
    image = mediaValue(imageField, fields[imageField], problems, urls);
  }

  // Audio: exactly one source.
  const audioFields = AUDIO_FIELDS.filter((name) => present(fields[name]));
  let audioField = 'audio';
  let soundFile: string | undefined;
  let audioId: string | undefined;
  let audioSource: AudioSource = 'url';
  let tts: TtsPlan | undefined;
  if (audioFields.length !== 1) {
    problems.push({
      field: audioFields.length === 0 ? 'audio' : audioFields.join(','),
      code: 'audio_source_count',
      message:
        audioFields.length === 0
          ? 'audio: required. Send one of audio_url (https), audio_base64, a multipart file named audio, audio_id (from text to speech) or tts_text with tts_voice_id.'
          : `${audioFields.join(' and ')}: send exactly one audio source.`,
    });
  } else {
    audioField = audioFields[0]!;
    if (audioField === 'audio_id') {
      audioId = text('audio_id', { maxLength: 256 });
      audioSource = 'audio_id';
    } else if (audioField === 'tts_text') {
      audioSource = 'tts';
      const spoken = text('tts_text');
      const voiceId = text('tts_voice_id', { maxLength: 256 });
      if (!voiceId) {
        problems.push({
          field: 'tts_voice_id',
          code: 'tts_voice_id_missing',
          message: 'tts_voice_id: required with tts_text (a Kling voice id, e.g. oversea_male1).',
        });
      }
      const language = text('tts_language', { maxLength: 8 }) ?? 'en';
      let speed: number | undefined;
      const rawSpeed = fields.tts_speed;
      if (present(rawSpeed)) {
        const parsed =
          typeof rawSpeed === 'number'
            ? rawSpeed
            : typeof rawSpeed === 'string'
              ? Number(rawSpeed)
              : Number.NaN;
        if (!Number.isFinite(parsed)) {
          problems.push({
            field: 'tts_speed',
            code: 'field_type',
            message: 'tts_speed: expected a number such as 1.0.',
          });
        } else speed = parsed;
      }
      if (spoken !== undefined && voiceId) {
        tts = {
          text: spoken,
          voice_id: voiceId,
          voice_language: language,
          ...(speed === undefined ? {} : { voice_speed: speed }),
        };
        audioId = TTS_PLACEHOLDER_AUDIO_ID;
      }
    } else {
      soundFile = mediaValue(audioField, fields[audioField], problems, urls);
      audioSource = isFile(fields[audioField])
        ? 'file'
        : audioField === 'audio_url' ||
            (typeof fields[audioField] === 'string' && HTTP_URL.test(fields[audioField] as string))
          ? 'url'
          : 'base64';
    }
  }
  for (const name of TTS_FIELDS) {
    if (present(fields[name]) && audioField !== 'tts_text') {
      problems.push({ field: name, code: 'field_unexpected', message: `${name}: only used with tts_text.` });
    }
  }

  const prompt = text('prompt', { maxLength: 100_000 });
  const modeValue = fields.mode;
  let mode: string | undefined;
  if (present(modeValue)) {
    if (typeof modeValue !== 'string') {
      problems.push({
        field: 'mode',
        code: 'field_type',
        message: `mode: expected "std" or "pro", got ${typeName(modeValue)}.`,
      });
    } else mode = modeValue;
  }
  let watermark = false;
  const rawWatermark = fields.watermark;
  if (present(rawWatermark)) {
    const parsed = parseBoolean(rawWatermark);
    if (parsed === undefined) {
      problems.push({
        field: 'watermark',
        code: 'field_type',
        message: 'watermark: expected true or false.',
      });
    } else watermark = parsed;
  }
  const clientReference = text('client_reference', { maxLength: MAX_CLIENT_REFERENCE_LENGTH }) ?? null;

  if (problems.length > 0) return { ok: false, problems };
  const request: CreateTaskRequest = {
    image: image!,
    ...(audioId !== undefined ? { audio_id: audioId } : {}),
    ...(soundFile !== undefined ? { sound_file: soundFile } : {}),
    ...(prompt !== undefined ? { prompt } : {}),
    ...(mode !== undefined ? { mode: mode as Mode } : {}),
    ...(watermark ? { watermark_info: { enabled: true } } : {}),
  };
  return {
    ok: true,
    plan: {
      request,
      ...(tts ? { tts } : {}),
      imageField,
      audioField,
      audioSource,
      clientReference,
      mode: (mode as Mode | undefined) ?? 'std',
      prompt: prompt ?? null,
      watermark,
      urls,
    },
  };
}

/** A media field's value for Kling: URL as is, base64 as is (core checks it), a file as raw base64. */
function mediaValue(
  field: string,
  value: FieldValue,
  problems: FieldProblem[],
  urls: CreatePlan['urls'],
): string | undefined {
  if (isFile(value)) {
    if (!field.endsWith('_file') && field !== 'image' && field !== 'audio') {
      problems.push({ field, code: 'field_type', message: `${field}: expected text, got a file upload.` });
      return undefined;
    }
    if (value.bytes.length === 0) {
      problems.push({ field, code: 'file_empty', message: `${field}: the uploaded file is empty.` });
      return undefined;
    }
    return value.bytes.toString('base64');
  }
  if (field.endsWith('_file')) {
    problems.push({
      field,
      code: 'field_type',
      message: `${field}: expected a file upload in a multipart form.`,
    });
    return undefined;
  }
  if (typeof value !== 'string') {
    problems.push({
      field,
      code: 'field_type',
      message: `${field}: expected a string, got ${typeName(value)}.`,
    });
    return undefined;
  }
  const looksLikeUrl = HTTP_URL.test(value);
  if (field.endsWith('_url') && !looksLikeUrl) {
    problems.push({ field, code: 'url_invalid', message: `${field}: expected an https:// URL.` });
    return undefined;
  }
  if (field.endsWith('_base64') && looksLikeUrl) {
    problems.push({
      field,
      code: 'field_type',
      message: `${field}: this is a URL; send it as ${field.replace('_base64', '_url')}.`,
    });
    return undefined;
  }
  if (looksLikeUrl) urls.push({ field, url: value });
  return value;
}

function parseBoolean(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number' && (value === 0 || value === 1)) return value === 1;
  if (typeof value === 'string') {
    const normalized = value.trim().toLowerCase();
    if (['true', '1', 'yes', 'on'].includes(normalized)) return true;
    if (['false', '0', 'no', 'off'].includes(normalized)) return false;
  }
  return undefined;
}

/** Map a core validation problem path (Kling field names) back to the adapter field the caller used. */
export function adapterFieldFor(path: string, plan: CreatePlan): string {
  if (path === 'image') return plan.imageField;
  if (path === 'sound_file' || path === 'audio_id') return plan.audioField;
  if (path.startsWith('watermark_info')) return 'watermark';
  if (path === 'text') return 'tts_text';
  if (path === 'voice_id') return 'tts_voice_id';
  if (path === 'voice_language') return 'tts_language';
  if (path === 'voice_speed') return 'tts_speed';
  return path;
}

/** A digest of everything that makes two create requests "the same" (for Idempotency-Key reuse checks). */
export function requestDigest(plan: CreatePlan): string {
  const hash = createHash('sha256');
  const { request } = plan;
  for (const [name, value] of [
    ['image', request.image],
    ['sound_file', request.sound_file ?? ''],
    ['audio_id', plan.tts ? '' : (request.audio_id ?? '')],
    ['tts', plan.tts ? JSON.stringify(plan.tts) : ''],
    ['prompt', request.prompt ?? ''],
    ['mode', plan.mode],
    ['watermark', String(plan.watermark)],
    ['client_reference', plan.clientReference ?? ''],
  ] as const) {
    hash.update(`${name}\u0000${value.length}\u0000`);
    hash.update(value);
  }
  return hash.digest('hex');
}
