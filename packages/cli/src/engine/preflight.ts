/**
 * Preflight: every job is checked with core's `validateCreateTask` (media inspected from the bytes)
 * before anything is paid for, hashed for the cache, and priced with core's `estimateUnits`.
 */
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import {
  type AudioInfo,
  type CreateTaskRequest,
  estimateUnits,
  type ImageInfo,
  LIMITS,
  TTS_PRICE_UNITS,
  validateCreateTask,
} from '@kling-avatar/core';
import { type Problem, requestValueForFile } from '../media-file.js';
import { displayPath, type JobField, type JobSpec, watermarkedOutputName } from './manifest.js';
import type { JobProblem } from './types.js';

/** Speaking rate the sandbox (and this estimate) assumes for text to speech: 15 characters per second. */
export const TTS_CHARACTERS_PER_SECOND = 15;

export interface PreparedJob {
  spec: JobSpec;
  /** sha256 hex over the inputs; unchanged hash + existing output = cache hit. */
  hash: string;
  problems: JobProblem[];
  image?: ImageInfo;
  audio?: AudioInfo;
  /** Length of the video the job makes (= its audio), when known before rendering. */
  audioSeconds?: number;
  /** Video units (+ text to speech), when the length is known. */
  estimatedUnits?: number;
  /** Absolute output paths: clean video, then the watermarked copy. */
  outputs: string[];
  /** Image and audio as the user wrote them, for tables. */
  imageLabel: string;
  audioLabel: string;
}

/** Request fields → the manifest field a user edits to fix them. */
const FIELD_OF_REQUEST: Record<string, JobField> = {
  image: 'image',
  sound_file: 'audio',
  audio_id: 'audio_id',
  prompt: 'prompt',
  mode: 'mode',
  watermark_info: 'watermark',
  'watermark_info.enabled': 'watermark',
};

/** Seconds of speech Kling makes from `text` (sandbox rule: characters ÷ 15 ÷ speed). */
export function estimateTtsSeconds(text: string, speed: number): number {
  return [...text].length / TTS_CHARACTERS_PER_SECOND / speed;
}

/** `kav-<first 32 hex of the hash>`, with `-g<N>` for re-renders: the same inputs always find the same task. */
export function externalTaskIdFor(hash: string, generation: number): string {
  const base = `kav-${hash.slice(0, 32)}`;
  return generation === 0 ? base : `${base}-g${generation}`;
}

export async function prepareJob(
  spec: JobSpec,
  options: { outDir: string; baseDir: string },
): Promise<PreparedJob> {
  const problems: JobProblem[] = [];
  const at = (field: JobField | undefined) => (field ? spec.fieldLocations[field] : undefined) ?? spec.source;
  const add = (problem: Problem | JobProblem, field: JobField | undefined) => {
    const location = at(field);
    problems.push({
      path: field ?? problem.path,
      code: problem.code,
      message: problem.message,
      ...(problem.apiMessage ? { apiMessage: problem.apiMessage } : {}),
      file: location.file,
      ...(location.line === undefined ? {} : { line: location.line, column: location.column }),
    });
  };

  const body: Partial<CreateTaskRequest> = {};
  const hash = createHash('sha256');
  hash.update('kling-avatar/job/v1\0');
  hash.update(
    JSON.stringify({
      prompt: spec.prompt ?? '',
      mode: spec.mode,
      watermark: spec.watermark,
      audioId: spec.audio.kind === 'audio_id' ? spec.audio.audioId : undefined,
      tts: spec.audio.kind === 'tts' ? spec.audio.tts : undefined,
    }),
  );

  const image = await requestValueForFile(spec.imagePath, 'image');
  for (const problem of image.problems) add(problem, 'image');
  if (image.value !== undefined) body.image = image.value;
  hash.update('\0image\0');
  hash.update(image.value === undefined ? '' : Buffer.from(image.value, 'base64'));

  let ttsSeconds: number | undefined;
  if (spec.audio.kind === 'file') {
    const audio = await requestValueForFile(spec.audio.path, 'sound_file');
    for (const problem of audio.problems) add(problem, 'audio');
    if (audio.value !== undefined) body.sound_file = audio.value;
    hash.update('\0audio\0');
    hash.update(audio.value === undefined ? '' : Buffer.from(audio.value, 'base64'));
  } else if (spec.audio.kind === 'audio_id') {
    body.audio_id = spec.audio.audioId;
  } else {
    // The audio_id comes from text to speech at render time; a stand-in lets the rest of the body be checked.
    body.audio_id = 'tts-audio-id-at-render-time';
    const { text, speed } = spec.audio.tts;
    ttsSeconds = estimateTtsSeconds(text, speed);
    const { minDurationSeconds: min, maxDurationSeconds: max } = LIMITS.audio;
    if (ttsSeconds < min || ttsSeconds > max) {
      const rounded = Math.round(ttsSeconds * 100) / 100;
      add(
        {
          path: 'tts',
          code: 'tts_duration',
          message:
            ttsSeconds < min
              ? `tts: "${text}" speaks for about ${rounded} s (${TTS_CHARACTERS_PER_SECOND} characters per second at speed ${speed}), shorter than the ${min} s minimum. Write a longer text or lower the speed.`
              : `tts: the text speaks for about ${rounded} s, longer than the ${max} s maximum. Split it into several jobs.`,
          apiMessage: `audio_id duration must be between ${min}s and ${max}s`,
        },
        'tts',
      );
    }
  }
  if (spec.prompt !== undefined) body.prompt = spec.prompt;
  body.mode = spec.mode;
  if (spec.watermark) body.watermark_info = { enabled: true };

  const validation = validateCreateTask(body);
  const alreadyReported = new Set(problems.map((problem) => problem.path));
  for (const problem of validation.problems) {
    const field = FIELD_OF_REQUEST[problem.path];
    // A file we could not read already has its own problem; core would only add "image missing".
    if (
      field &&
      alreadyReported.has(field) &&
      (problem.code === 'image_missing' || problem.code === 'audio_source_count')
    ) {
      continue;
    }
    add(problem, field);
  }

  const audioSeconds = spec.audio.kind === 'tts' ? ttsSeconds : validation.audio?.durationSeconds;
  let estimatedUnits: number | undefined;
  if (audioSeconds !== undefined) {
    estimatedUnits =
      estimateUnits(audioSeconds, spec.mode) + (spec.audio.kind === 'tts' ? TTS_PRICE_UNITS : 0);
    estimatedUnits = Math.round(estimatedUnits * 1000) / 1000;
  }

  const outputs = [resolve(options.outDir, spec.output)];
  if (spec.watermark) outputs.push(resolve(options.outDir, watermarkedOutputName(spec.output)));
  return {
    spec,
    hash: hash.digest('hex'),
    problems,
    image: validation.image,
    audio: validation.audio,
    audioSeconds,
    estimatedUnits,
    outputs,
    imageLabel: displayPath(spec.imagePath, options.baseDir),
    audioLabel:
      spec.audio.kind === 'file'
        ? displayPath(spec.audio.path, options.baseDir)
        : spec.audio.kind === 'audio_id'
          ? `audio_id ${spec.audio.audioId}`
          : `tts "${truncate(spec.audio.tts.text, 24)}"`,
  };
}

function truncate(text: string, length: number): string {
  const characters = [...text];
  return characters.length <= length ? text : `${characters.slice(0, length - 1).join('')}…`;
}

/** The request body for rendering, rebuilt from the files (preflight keeps no 10 MB strings around). */
export async function buildCreateRequest(
  job: PreparedJob,
  audioId: string | undefined,
): Promise<CreateTaskRequest> {
  const { spec } = job;
  const image = await requestValueForFile(spec.imagePath, 'image');
  if (image.value === undefined)
    throw new Error(image.problems[0]?.message ?? `cannot read ${spec.imagePath}`);
  const body: CreateTaskRequest = { image: image.value, mode: spec.mode };
  if (spec.audio.kind === 'file') {
    const audio = await requestValueForFile(spec.audio.path, 'sound_file');
    if (audio.value === undefined)
      throw new Error(audio.problems[0]?.message ?? `cannot read ${spec.audio.path}`);
    body.sound_file = audio.value;
  } else {
    body.audio_id = audioId ?? (spec.audio.kind === 'audio_id' ? spec.audio.audioId : undefined);
  }
  if (spec.prompt !== undefined && spec.prompt !== '') body.prompt = spec.prompt;
  if (spec.watermark) body.watermark_info = { enabled: true };
  return body;
}
