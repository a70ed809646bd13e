import { describeBytes, IMAGE_CONTENT_TYPES, LIMITS } from './limits.js';
import type { AudioContainerFormat, AudioInfo } from './media-audio.js';
import type { ImageContainerFormat, ImageInfo } from './media-image.js';
import { API_MESSAGES, type ValidationProblem } from './validation-problem.js';

const MiB = 1024 * 1024;

function orList(values: readonly string[]): string {
  const upper = values.map((value) => value.toUpperCase());
  return upper.length < 2 ? upper.join('') : `${upper.slice(0, -1).join(', ')} or ${upper[upper.length - 1]}`;
}

/** `JPEG or PNG`, `MP3, WAV, M4A or AAC`: what the limits table accepts, for messages. */
const ACCEPTED_IMAGES = orList(IMAGE_CONTENT_TYPES);
const ACCEPTED_AUDIO = orList(LIMITS.audio.formats);

export interface MediaCheckOptions {
  /**
   * The inspected bytes are only the start of a larger file (a download stopped at the size cap):
   * `bytes` is then a lower bound, and a missing or estimated duration is not a problem of its own.
   */
  partial?: boolean;
}

const IMAGE_NAMES: Record<ImageContainerFormat, string> = {
  png: 'PNG',
  jpeg: 'JPEG',
  gif: 'GIF',
  webp: 'WebP',
  bmp: 'BMP',
  heic: 'HEIC/HEIF',
  unknown: 'not a recognised image',
};

const AUDIO_NAMES: Record<AudioContainerFormat, string> = {
  mp3: 'MP3',
  wav: 'WAV',
  m4a: 'M4A',
  aac: 'AAC',
  ogg: 'Ogg',
  flac: 'FLAC',
  unknown: 'not a recognised audio file',
};

function megabytes(bytes: number): string {
  return `${Math.round((bytes / MiB) * 100) / 100} MB (${bytes} bytes)`;
}

/** Limit text without the byte count when it is a whole number of MB, as Kling writes it: `10 MB`. */
function limitMegabytes(bytes: number): string {
  return `${Math.round((bytes / MiB) * 100) / 100} MB`;
}

/** Seconds with up to 3 decimals, so 1.999 s is not printed as "2 s" next to a 2 s minimum. */
function seconds(value: number): string {
  return `${Math.round(value * 1000) / 1000} s`;
}

function ratio(width: number, height: number): string {
  const wide = width >= height;
  const value = Math.round((wide ? width / height : height / width) * 100) / 100;
  return wide ? `${value}:1` : `1:${value}`;
}

function sizeProblem(
  field: string,
  bytes: number,
  maxBytes: number,
  partial: boolean,
  code: 'image_too_large' | 'audio_too_large',
  apiMessage: string,
  fix: string,
): ValidationProblem {
  const over = partial
    ? `the download passed the ${describeBytes(maxBytes)} limit (stopped reading after ${bytes} bytes)`
    : `${megabytes(bytes)} is over the ${describeBytes(maxBytes)} limit`;
  return {
    path: field,
    code,
    message: `${field}: ${over}. ${fix} below ${limitMegabytes(maxBytes)}.`,
    apiMessage,
  };
}

/**
 * Problems with an inspected image, in the sandbox's rule order: format, size, minimum side, aspect
 * ratio. Size is checked whatever the format; dimensions only for accepted formats (for others the
 * format problem is the one to fix first, and names the dimensions when known).
 */
export function checkImage(
  info: ImageInfo,
  field = 'image',
  options: MediaCheckOptions = {},
): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  const accepted = (IMAGE_CONTENT_TYPES as readonly string[]).includes(info.format);
  const hasSize = info.width !== undefined && info.height !== undefined;
  if (!accepted) {
    const detail = hasSize ? ` (${info.width}×${info.height} px)` : '';
    const what =
      info.format === 'unknown' ? 'is not a recognised image' : `is ${IMAGE_NAMES[info.format]}${detail}`;
    problems.push({
      path: field,
      code: 'image_format',
      message: `${field}: the content ${what}, not ${ACCEPTED_IMAGES}. Convert it to ${ACCEPTED_IMAGES} (Kling checks the bytes, not the file name).`,
      apiMessage: API_MESSAGES.imageFormat,
    });
  } else if (!hasSize && !options.partial) {
    problems.push({
      path: field,
      code: 'image_unreadable',
      message: `${field}: the ${IMAGE_NAMES[info.format]} header is damaged or truncated, so its width and height cannot be read. Re-export the image.`,
      // The sandbox cannot decode it either; the closest §11 answer is the format rule.
      apiMessage: API_MESSAGES.imageFormat,
    });
  }
  if (info.bytes > LIMITS.image.maxBytes) {
    problems.push(
      sizeProblem(
        field,
        info.bytes,
        LIMITS.image.maxBytes,
        options.partial === true,
        'image_too_large',
        API_MESSAGES.imageTooLarge,
        'Compress or resize the image',
      ),
    );
  }
  if (accepted && hasSize) {
    const width = info.width!;
    const height = info.height!;
    const minSide = LIMITS.image.minSidePx;
    if (width < minSide || height < minSide) {
      problems.push({
        path: field,
        code: 'image_too_small',
        message: `${field}: ${width}×${height} px is below the ${minSide} px minimum for both width and height. Use or upscale to an image at least ${minSide}×${minSide} px.`,
        apiMessage: API_MESSAGES.imageTooSmall,
      });
    }
    // Exact at the boundary: 750/300 and 300/750 divide to the same doubles as 2.5 and 1/2.5.
    const aspect = width / height;
    if (aspect > LIMITS.image.maxAspectRatio || aspect < LIMITS.image.minAspectRatio) {
      problems.push({
        path: field,
        code: 'image_aspect_ratio',
        message: `${field}: ${width}×${height} px has an aspect ratio of ${ratio(width, height)}, outside 1:${LIMITS.image.maxAspectRatio} to ${LIMITS.image.maxAspectRatio}:1. Crop or pad it to within that range.`,
        apiMessage: API_MESSAGES.imageAspectRatio,
      });
    }
  }
  return problems;
}

/**
 * Problems with inspected audio, in the sandbox's order: format, size, duration. A recognised format
 * whose length cannot be read is `audio_unreadable` (Kling could not decode it either).
 */
export function checkAudio(
  info: AudioInfo,
  field = 'sound_file',
  options: MediaCheckOptions = {},
): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  const accepted = (LIMITS.audio.formats as readonly string[]).includes(info.format);
  if (!accepted) {
    const what =
      info.format === 'unknown' ? 'is not a recognised audio file' : `is ${AUDIO_NAMES[info.format]}`;
    problems.push({
      path: field,
      code: 'audio_format',
      message: `${field}: the content ${what}, not ${ACCEPTED_AUDIO}. Convert it to one of those (Kling checks the bytes, not the file name).`,
      apiMessage: API_MESSAGES.audioFormat,
    });
  } else if (info.durationSeconds === undefined && !options.partial) {
    problems.push({
      path: field,
      code: 'audio_unreadable',
      message: `${field}: the ${AUDIO_NAMES[info.format]} headers are damaged or truncated, so the duration cannot be read. Re-export the audio.`,
      apiMessage: API_MESSAGES.audioFormat,
    });
  }
  if (info.bytes > LIMITS.audio.maxBytes) {
    problems.push(
      sizeProblem(
        field,
        info.bytes,
        LIMITS.audio.maxBytes,
        options.partial === true,
        'audio_too_large',
        API_MESSAGES.audioTooLarge,
        'Lower the bitrate, use mono or trim the audio to get it',
      ),
    );
  }
  const duration = info.durationSeconds;
  if (accepted && duration !== undefined && !options.partial) {
    const { minDurationSeconds: min, maxDurationSeconds: max } = LIMITS.audio;
    if (duration < min || duration > max) {
      const short = duration < min;
      problems.push({
        path: field,
        code: 'audio_duration',
        message: short
          ? `${field}: ${seconds(duration)} is shorter than the ${min} s minimum (allowed ${min}–${max} s). Use longer audio or pad it with silence.`
          : `${field}: ${seconds(duration)} is longer than the ${max} s maximum (allowed ${min}–${max} s). Trim or split the audio.`,
        apiMessage: API_MESSAGES.audioDuration(field),
      });
    }
  }
  return problems;
}
