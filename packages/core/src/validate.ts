import { type Base64Check, classifyMediaValue, dataUriPrefix, parseHttpUrl } from './base64.js';
import { type ByteSource, base64Source, bytesSource } from './byte-source.js';
import { LIMITS, MODES, TTS_LANGUAGES, type TtsLanguage } from './limits.js';
import { type AudioInfo, inspectAudio } from './media-audio.js';
import { checkAudio, checkImage } from './media-check.js';
import { type FetchMediaResult, fetchMediaBytes } from './media-fetch.js';
import { type ImageInfo, inspectImage } from './media-image.js';
import { API_MESSAGES, type ValidationProblem } from './validation-problem.js';

export interface CreateTaskValidation {
  /** True when there are no problems. */
  ok: boolean;
  /** Every problem, in the order the sandbox applies its rules, so `problems[0]` is what the API answers. */
  problems: ValidationProblem[];
  /** What the image bytes turned out to be, when they were inspected (base64, or a probed URL). */
  image?: ImageInfo;
  /** What the sound_file bytes turned out to be, when they were inspected. */
  audio?: AudioInfo;
  /** Complete downloads of URL media (async validation with probing), so a caller need not fetch twice. */
  downloads?: Partial<Record<'image' | 'sound_file', Uint8Array>>;
}

export interface ValidateCreateTaskOptions {
  /** Read image and audio headers (format, size, dimensions, duration). Default true. */
  inspectMedia?: boolean;
  /**
   * How many characters of long base64 media are tested against the alphabet. Default `'sampled'`:
   * values up to 32 Ki characters completely, longer ones at both ends and in windows spread through
   * the middle, so a maximum request validates in well under a millisecond. `'full'` tests every
   * character, to answer exactly as the API would (the sandbox and `kling-avatar validate` use it).
   * See `Base64Check`.
   */
  base64Check?: Base64Check;
  /**
   * Account state, for a server that has it (the sandbox): whether an `audio_id` exists and is younger
   * than 30 days. Without it, any non-empty `audio_id` passes.
   */
  audioIdExists?: (audioId: string) => boolean;
  /** Account state: whether an `external_task_id` is already taken. Without it, uniqueness is not checked. */
  externalTaskIdExists?: (externalTaskId: string) => boolean;
}

export interface ValidateCreateTaskAsyncOptions extends ValidateCreateTaskOptions {
  /** Download URL media and inspect it like base64. Default: true when `fetch` is given. */
  probeUrls?: boolean;
  /** Transport for probing. */
  fetch?: typeof fetch;
  /** Per download. Default `LIMITS.mediaUrlTimeoutMs` (10 s, §11). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

type MediaField = 'image' | 'sound_file';
type Downloads = Partial<Record<MediaField, FetchMediaResult>>;
type Body = Record<string, unknown>;

const PREVIEW_CHARS = 60;

function isPlainObject(value: unknown): value is Body {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `undefined` and JSON `null` both mean "not sent" for every optional field. */
function isAbsent(value: unknown): value is undefined | null {
  return value === undefined || value === null;
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

/** A short, safe rendering of a user value for messages (a 14 MB string must not end up in one). */
function preview(value: unknown): string {
  if (typeof value === 'string') {
    const cut = value.length > PREVIEW_CHARS ? `${value.slice(0, PREVIEW_CHARS)}…` : value;
    return JSON.stringify(cut);
  }
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  return jsonType(value);
}

function problem(path: string, code: ValidationProblem['code'], message: string, apiMessage: string) {
  return { path, code, message, apiMessage } satisfies ValidationProblem;
}

function fieldType(path: string, expected: string, value: unknown): ValidationProblem {
  return problem(
    path,
    'field_type',
    `${path}: expected ${expected}, got ${jsonType(value)}.`,
    API_MESSAGES.fieldType,
  );
}

/**
 * Characters as we count them for Kling's limits: Unicode code points, not UTF-16 units, so an emoji or
 * a rare CJK character counts once, as it does for the person writing the prompt. Kling does not say how
 * it counts; code points are what Python's len and Go's utf8.RuneCountInString give (a Java backend using
 * String.length would count UTF-16 units and allow fewer emoji). Only astral characters differ.
 */
export function countCharacters(text: string): number {
  let count = 0;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code >= 0xd800 && code <= 0xdbff && index + 1 < text.length) {
      const next = text.charCodeAt(index + 1);
      if (next >= 0xdc00 && next <= 0xdfff) index++;
    }
    count++;
  }
  return count;
}

/** A string of at most `limit` UTF-16 units cannot have more code points: skip counting the common case. */
function exceedsCharacters(text: string, limit: number): boolean {
  return text.length > limit && countCharacters(text) > limit;
}

// ---------------------------------------------------------------------------------------------------
// Media fields

interface MediaResult {
  problems: ValidationProblem[];
  image?: ImageInfo;
  audio?: AudioInfo;
}

function inspectAndCheck(field: MediaField, source: ByteSource, partialTotal?: number): MediaResult {
  if (field === 'image') {
    let info: ImageInfo;
    try {
      info = inspectImage(source);
    } catch {
      // Defensive: sources here are pre-validated, but the validator promises never to throw.
      info = { format: 'unknown', bytes: source.size };
    }
    if (partialTotal !== undefined) info = { ...info, bytes: partialTotal };
    return { problems: checkImage(info, field, { partial: partialTotal !== undefined }), image: info };
  }
  let info: AudioInfo;
  try {
    info = inspectAudio(source);
  } catch {
    info = { format: 'unknown', bytes: source.size };
  }
  if (partialTotal !== undefined) {
    // A duration estimated from a cut-off download is meaningless (CBR MP3 estimates from size).
    const { durationSeconds: _estimate, ...rest } = info;
    info = { ...rest, bytes: partialTotal };
  }
  return { problems: checkAudio(info, field, { partial: partialTotal !== undefined }), audio: info };
}

function inspectDownload(field: MediaField, url: string, download: FetchMediaResult): MediaResult {
  if (!download.ok) {
    return {
      problems: [
        problem(
          field,
          'url_unreachable',
          `${field}: ${preview(url)} could not be downloaded (${download.reason}). Kling fetches it itself: use a public, direct and fast link, or send raw base64 instead.`,
          API_MESSAGES.urlUnreachable(field),
        ),
      ],
    };
  }
  return inspectAndCheck(
    field,
    bytesSource(download.bytes),
    download.complete ? undefined : download.totalBytes,
  );
}

/**
 * Rules for one media string, in the sandbox's order: prefix/base64 → URL reachability → content.
 * `value` is already known to be a non-empty string.
 */
function checkMediaString(
  field: MediaField,
  value: string,
  inspect: boolean,
  downloads: Downloads,
  base64Check: Base64Check,
): MediaResult {
  const classified = classifyMediaValue(value, base64Check);
  switch (classified.kind) {
    case 'empty':
      return { problems: [] }; // handled by the caller (missing/absent)
    case 'url': {
      const download = downloads[field];
      return download && inspect ? inspectDownload(field, classified.url, download) : { problems: [] };
    }
    case 'data-uri': {
      const prefix = dataUriPrefix(value);
      const shown = prefix && prefix.length > PREVIEW_CHARS ? `${prefix.slice(0, PREVIEW_CHARS)}…` : prefix;
      const problems = [
        problem(
          field,
          'base64_prefix',
          shown
            ? `${field}: remove the \`${shown}\` prefix and send the raw base64 only.`
            : `${field}: this is a data: URI; send the raw base64 only, without the \`data:…;base64,\` prefix.`,
          API_MESSAGES.base64Invalid,
        ),
      ];
      // Look past the prefix too, so fixing it does not just reveal the next problem.
      if (prefix) {
        const payload = value.slice(prefix.length);
        const behind = classifyMediaValue(payload, base64Check);
        if (behind.kind === 'invalid-base64') {
          problems.push(
            problem(
              field,
              'base64_invalid',
              `${field}: after the prefix, the data is not valid base64 either: it ${behind.reason}.`,
              API_MESSAGES.base64Invalid,
            ),
          );
        } else if (behind.kind === 'base64' && inspect) {
          const content = inspectAndCheck(field, base64Source(payload));
          return { ...content, problems: [...problems, ...content.problems] };
        }
      }
      return { problems };
    }
    case 'invalid-base64': {
      // §11: anything starting with http(s):// is treated as a URL; an unparseable one cannot be fetched.
      if (/^https?:\/\//i.test(value)) {
        return {
          problems: [
            problem(
              field,
              'url_unreachable',
              `${field}: ${preview(value)} is not a valid absolute URL, so it cannot be downloaded. Fix the URL or send raw base64.`,
              API_MESSAGES.urlUnreachable(field),
            ),
          ],
        };
      }
      return {
        problems: [
          problem(
            field,
            'base64_invalid',
            `${field}: not a URL and not valid base64: it ${classified.reason}. Send an http(s) URL or the file's raw base64.`,
            API_MESSAGES.base64Invalid,
          ),
        ],
      };
    }
    case 'base64':
      return inspect ? inspectAndCheck(field, base64Source(value)) : { problems: [] };
  }
}

// ---------------------------------------------------------------------------------------------------
// Create

function validateCreateBody(
  body: unknown,
  inspect: boolean,
  downloads: Downloads,
  options: Pick<ValidateCreateTaskOptions, 'audioIdExists' | 'externalTaskIdExists' | 'base64Check'>,
): CreateTaskValidation {
  if (!isPlainObject(body)) {
    return {
      ok: false,
      problems: [
        problem(
          '',
          'body_invalid',
          `The request body must be a JSON object with image and audio fields, got ${jsonType(body)}.`,
          API_MESSAGES.bodyInvalid,
        ),
      ],
    };
  }
  const problems: ValidationProblem[] = [];
  const result: CreateTaskValidation = { ok: false, problems };
  const base64Check = options.base64Check ?? 'sampled';

  // image — rules 2–8 of §11
  const image = body.image;
  if (isAbsent(image) || image === '') {
    problems.push(
      problem(
        'image',
        'image_missing',
        'image: required. Send the portrait as an http(s) URL or as raw base64.',
        API_MESSAGES.missing('image'),
      ),
    );
  } else if (typeof image !== 'string') {
    problems.push(fieldType('image', 'a string (an http(s) URL or raw base64)', image));
  } else {
    const checked = checkMediaString('image', image, inspect, downloads, base64Check);
    problems.push(...checked.problems);
    if (checked.image) result.image = checked.image;
  }

  // audio — exactly one source, then audio_id, then sound_file content
  const audioId = body.audio_id;
  const soundFile = body.sound_file;
  const hasAudioId = !isAbsent(audioId) && audioId !== '';
  const hasSoundFile = !isAbsent(soundFile) && soundFile !== '';
  if (hasAudioId === hasSoundFile) {
    problems.push(
      problem(
        hasAudioId ? 'audio_id' : 'sound_file',
        'audio_source_count',
        hasAudioId
          ? 'audio_id and sound_file are both set: send exactly one (remove one of them).'
          : 'audio_id / sound_file: neither is set. Send exactly one: audio_id (from text to speech) or sound_file (an http(s) URL or raw base64 audio).',
        API_MESSAGES.audioSourceCount,
      ),
    );
  }
  if (hasAudioId && typeof audioId !== 'string') {
    problems.push(fieldType('audio_id', 'a string (an id from text to speech)', audioId));
  } else if (hasAudioId && options.audioIdExists && !options.audioIdExists(audioId as string)) {
    problems.push(
      problem(
        'audio_id',
        'audio_id_invalid',
        `audio_id: ${preview(audioId)} is unknown or older than ${LIMITS.audio.audioIdMaxAgeDays} days. Create new speech with text to speech and use its audio id.`,
        API_MESSAGES.audioIdInvalid,
      ),
    );
  }
  if (hasSoundFile) {
    if (typeof soundFile !== 'string') {
      problems.push(fieldType('sound_file', 'a string (an http(s) URL or raw base64)', soundFile));
    } else {
      const checked = checkMediaString('sound_file', soundFile, inspect, downloads, base64Check);
      problems.push(...checked.problems);
      if (checked.audio) result.audio = checked.audio;
    }
  }

  // prompt
  const prompt = body.prompt;
  if (!isAbsent(prompt)) {
    if (typeof prompt !== 'string') {
      problems.push(fieldType('prompt', 'a string', prompt));
    } else if (exceedsCharacters(prompt, LIMITS.prompt.maxLength)) {
      const length = countCharacters(prompt);
      const over = length - LIMITS.prompt.maxLength;
      problems.push(
        problem(
          'prompt',
          'prompt_too_long',
          `prompt: ${length} characters is over the ${LIMITS.prompt.maxLength}-character limit. Shorten it by ${over} character${over === 1 ? '' : 's'}.`,
          API_MESSAGES.promptTooLong,
        ),
      );
    }
  }

  // mode
  const mode = body.mode;
  if (!isAbsent(mode) && !(MODES as readonly unknown[]).includes(mode)) {
    problems.push(
      problem(
        'mode',
        'mode_invalid',
        `mode: ${preview(mode)} is not one of ${MODES.map((value) => `"${value}"`).join(', ')} (default "${LIMITS.mode.default}").`,
        API_MESSAGES.modeInvalid,
      ),
    );
  }

  // watermark_info
  const watermark = body.watermark_info;
  if (!isAbsent(watermark)) {
    if (!isPlainObject(watermark)) {
      problems.push(
        problem(
          'watermark_info',
          'watermark_invalid',
          `watermark_info: expected an object like { "enabled": true }, got ${jsonType(watermark)}.`,
          API_MESSAGES.watermarkInvalid,
        ),
      );
    } else if (typeof watermark.enabled !== 'boolean') {
      problems.push(
        problem(
          'watermark_info.enabled',
          'watermark_invalid',
          `watermark_info.enabled: expected true or false, got ${preview(watermark.enabled)}${
            watermark.enabled === undefined ? ' (missing)' : ''
          }.`,
          API_MESSAGES.watermarkInvalid,
        ),
      );
    }
  }

  // callback_url
  const callbackUrl = body.callback_url;
  if (
    !isAbsent(callbackUrl) &&
    (typeof callbackUrl !== 'string' || parseHttpUrl(callbackUrl) === undefined)
  ) {
    problems.push(
      problem(
        'callback_url',
        'callback_url_invalid',
        `callback_url: ${preview(callbackUrl)} is not an absolute http:// or https:// URL.`,
        API_MESSAGES.callbackUrlInvalid,
      ),
    );
  }

  // external_task_id (uniqueness needs the account's task list: the sandbox checks that one)
  const externalTaskId = body.external_task_id;
  if (!isAbsent(externalTaskId) && (typeof externalTaskId !== 'string' || externalTaskId === '')) {
    problems.push(
      problem(
        'external_task_id',
        'external_task_id_invalid',
        `external_task_id: expected a non-empty string, got ${preview(externalTaskId)}. Omit it or use your own unique id.`,
        API_MESSAGES.externalTaskIdInvalid,
      ),
    );
  } else if (typeof externalTaskId === 'string' && options.externalTaskIdExists?.(externalTaskId)) {
    problems.push(
      problem(
        'external_task_id',
        'external_task_id_duplicate',
        `external_task_id: ${preview(externalTaskId)} is already used by another task in this account. Use a new id, or fetch the existing task by this id.`,
        API_MESSAGES.externalTaskIdDuplicate(externalTaskId),
      ),
    );
  }

  result.ok = problems.length === 0;
  return result;
}

function unexpectedFailure(error: unknown): CreateTaskValidation {
  let detail = 'unknown error';
  try {
    detail = error instanceof Error ? error.message : String(error);
  } catch {
    // String() itself can throw on hostile objects; keep the generic text.
  }
  return {
    ok: false,
    problems: [
      problem('', 'body_invalid', `The request could not be validated: ${detail}`, API_MESSAGES.bodyInvalid),
    ],
  };
}

/**
 * Check a create-task body (`POST /v1/videos/avatar/image2video`) against the API's rules and LIMITS
 * without sending it. Reports every problem at once, ordered as the sandbox applies its rules (image,
 * audio, prompt, mode, watermark_info, callback_url, external_task_id). Base64 media is inspected from
 * its headers; URLs are checked for form only (see `validateCreateTaskAsync`). Unknown fields are
 * ignored, as the API ignores them. Never throws.
 */
export function validateCreateTask(
  body: unknown,
  options: ValidateCreateTaskOptions = {},
): CreateTaskValidation {
  try {
    return validateCreateBody(body, options.inspectMedia !== false, {}, options);
  } catch (error) {
    return unexpectedFailure(error);
  }
}

/**
 * `validateCreateTask`, plus downloading URL media through the injected `fetch` (with the time limit and
 * a size cap) and inspecting it like base64. Unreachable URLs become `url_unreachable` problems. Rejects
 * only when `signal` aborts, or when probing is asked for without a `fetch`.
 */
export async function validateCreateTaskAsync(
  body: unknown,
  options: ValidateCreateTaskAsyncOptions = {},
): Promise<CreateTaskValidation> {
  const probe = options.probeUrls ?? options.fetch !== undefined;
  if (probe && !options.fetch) {
    throw new TypeError('validateCreateTaskAsync: probeUrls needs an injected fetch');
  }
  const inspect = options.inspectMedia !== false;
  const downloads: Downloads = {};
  if (probe && inspect && isPlainObject(body)) {
    const limits: Record<MediaField, number> = {
      image: LIMITS.image.maxBytes,
      sound_file: LIMITS.audio.maxBytes,
    };
    await Promise.all(
      (Object.keys(limits) as MediaField[]).map(async (field) => {
        const value = body[field];
        const url = typeof value === 'string' ? parseHttpUrl(value) : undefined;
        if (url === undefined) return;
        const fetchOptions = {
          fetch: options.fetch!,
          maxBytes: limits[field],
          ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
          ...(options.signal ? { signal: options.signal } : {}),
        };
        downloads[field] = await fetchMediaBytes(url, fetchOptions);
      }),
    );
  }
  try {
    const result = validateCreateBody(body, inspect, downloads, options);
    for (const field of ['image', 'sound_file'] as const) {
      const download = downloads[field];
      if (download?.ok && download.complete)
        result.downloads = { ...result.downloads, [field]: download.bytes };
    }
    return result;
  } catch (error) {
    return unexpectedFailure(error);
  }
}

// ---------------------------------------------------------------------------------------------------
// Text to speech

export interface NormalizedTtsRequest {
  text: string;
  voice_id: string;
  voice_language: TtsLanguage;
  /** Rounded to one decimal and clamped to 0.8–2.0, as the API does. */
  voice_speed: number;
}

export interface TtsRequestValidation {
  ok: boolean;
  problems: ValidationProblem[];
  /** The request as the API would apply it (defaults filled, speed normalised), when `ok`. */
  value?: NormalizedTtsRequest;
}

/** The API rounds `voice_speed` to one decimal and clamps it: out of range is not an error (§8, §11). */
export function normalizeVoiceSpeed(speed: number): number {
  const { min, max, decimals } = LIMITS.tts.voiceSpeed;
  const factor = 10 ** decimals;
  return Math.min(max, Math.max(min, Math.round(speed * factor) / factor));
}

/** Check a text-to-speech body (`POST /v1/audio/tts`) against LIMITS. Never throws. */
export function validateTtsRequest(body: unknown): TtsRequestValidation {
  if (!isPlainObject(body)) {
    return {
      ok: false,
      problems: [
        problem(
          '',
          'body_invalid',
          `The request body must be a JSON object, got ${jsonType(body)}.`,
          API_MESSAGES.bodyInvalid,
        ),
      ],
    };
  }
  const problems: ValidationProblem[] = [];
  const { text, voice_id: voiceId, voice_language: language, voice_speed: speed } = body;
  const maxText = LIMITS.tts.text.maxLength;
  if (isAbsent(text) || text === '') {
    problems.push(
      problem(
        'text',
        'tts_text_missing',
        'text: required (the words to speak).',
        API_MESSAGES.missing('text'),
      ),
    );
  } else if (typeof text !== 'string') {
    problems.push(fieldType('text', 'a string', text));
  } else if (exceedsCharacters(text, maxText)) {
    problems.push(
      problem(
        'text',
        'tts_text_too_long',
        `text: ${countCharacters(text)} characters is over the ${maxText}-character limit. Split it into several calls.`,
        API_MESSAGES.ttsTextTooLong,
      ),
    );
  }
  if (isAbsent(voiceId) || voiceId === '') {
    problems.push(
      problem(
        'voice_id',
        'tts_voice_id_missing',
        "voice_id: required (a voice from Kling's voice list).",
        API_MESSAGES.missing('voice_id'),
      ),
    );
  } else if (typeof voiceId !== 'string') {
    problems.push(fieldType('voice_id', 'a string', voiceId));
  }
  if (!isAbsent(language) && !(TTS_LANGUAGES as readonly unknown[]).includes(language)) {
    problems.push(
      problem(
        'voice_language',
        'tts_voice_language_invalid',
        `voice_language: ${preview(language)} is not one of ${TTS_LANGUAGES.map((value) => `"${value}"`).join(', ')} (default "${LIMITS.tts.defaultLanguage}"); it must match the voice.`,
        API_MESSAGES.ttsVoiceLanguage,
      ),
    );
  }
  if (!isAbsent(speed) && (typeof speed !== 'number' || !Number.isFinite(speed))) {
    problems.push(
      problem(
        'voice_speed',
        'tts_voice_speed_invalid',
        `voice_speed: expected a number (${LIMITS.tts.voiceSpeed.min}–${LIMITS.tts.voiceSpeed.max}), got ${preview(speed)}.`,
        API_MESSAGES.ttsVoiceSpeed,
      ),
    );
  }
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    problems,
    value: {
      text: text as string,
      voice_id: voiceId as string,
      voice_language: isAbsent(language) ? LIMITS.tts.defaultLanguage : (language as TtsLanguage),
      voice_speed: normalizeVoiceSpeed(isAbsent(speed) ? LIMITS.tts.voiceSpeed.default : (speed as number)),
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// List query

export interface ListQueryValidation {
  ok: boolean;
  problems: ValidationProblem[];
  /** Normalised values; the default stands in for an invalid one. */
  pageNum: number;
  pageSize: number;
}

/**
 * Check `pageNum`/`pageSize` for `GET /v1/videos/avatar/image2video`. Numbers or numeric strings (query
 * strings are text) are accepted; absent or empty means the default. Never throws.
 */
export function validateListQuery(
  query: { pageNum?: unknown; pageSize?: unknown } | undefined,
): ListQueryValidation {
  const problems: ValidationProblem[] = [];
  const read = (name: 'pageNum' | 'pageSize', code: 'page_num_invalid' | 'page_size_invalid'): number => {
    const { min, max, default: fallback } = LIMITS.list[name];
    const raw = isPlainObject(query) ? query[name] : undefined;
    if (isAbsent(raw) || raw === '') return fallback;
    const value = typeof raw === 'string' && /^[0-9]{1,16}$/.test(raw) ? Number(raw) : raw;
    if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) return value;
    problems.push(
      problem(
        name,
        code,
        `${name}: ${preview(raw)} is not an integer between ${min} and ${max} (default ${fallback}).`,
        name === 'pageNum' ? API_MESSAGES.pageNum : API_MESSAGES.pageSize,
      ),
    );
    return fallback;
  };
  const pageNum = read('pageNum', 'page_num_invalid');
  const pageSize = read('pageSize', 'page_size_invalid');
  return { ok: problems.length === 0, problems, pageNum, pageSize };
}
