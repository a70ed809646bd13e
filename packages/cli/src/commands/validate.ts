/**
 * `kling-avatar validate <request.json>…`: checks create-task bodies exactly as the API would, media
 * inspected from the bytes. As a CLI convenience an `image` or `sound_file` value of `@path` is read
 * from that file (relative to the JSON file) and sent as raw base64, like the real request would be.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import {
  type AudioInfo,
  estimateUnits,
  type ImageInfo,
  LIMITS,
  MODES,
  type Mode,
  validateCreateTask,
  validateCreateTaskAsync,
} from '@kling-avatar/core';
import { type MediaField, type Problem, requestValueForFile, unreadableReason } from '../media-file.js';
import { EXIT } from '../util/errors.js';
import { formatSeconds, formatUnitAmount, plural } from '../util/format.js';
import { type CliIo, writeJson, writeLine } from '../util/io.js';

export interface ValidateOptions {
  json?: boolean;
  probeUrls?: boolean;
}

export interface RequestFileResult {
  file: string;
  /** False when the file itself could not be read (exit code 2). */
  readable: boolean;
  ok: boolean;
  problems: Problem[];
  image?: ImageInfo;
  audio?: AudioInfo;
  /** The body's mode (for the price estimate). */
  mode: Mode;
  /** `@path` references that were read, as absolute paths. */
  references: { field: MediaField; path: string }[];
}

const MEDIA_FIELDS: MediaField[] = ['image', 'sound_file'];

export async function validateRequestFile(
  file: string,
  options: { cwd: string; probeUrls?: boolean },
): Promise<RequestFileResult> {
  const path = resolve(options.cwd, file);
  const result: RequestFileResult = {
    file,
    readable: true,
    ok: false,
    mode: LIMITS.mode.default,
    problems: [],
    references: [],
  };
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    result.readable = false;
    result.problems.push({
      path: '',
      code: 'file_unreadable',
      message: `cannot read ${file}: ${unreadableReason(error)}.`,
    });
    return result;
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    result.problems.push({
      path: '',
      code: 'body_invalid',
      message: `${file} is not valid JSON: ${(error as Error).message}. The request body must be a JSON object.`,
      apiMessage: 'invalid request parameters',
    });
    return result;
  }

  // Resolve `@file` references; a reference that cannot be read is reported instead of core's own problems for that field.
  const failedFields = new Set<string>();
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    const record = { ...(body as Record<string, unknown>) };
    if ((MODES as readonly unknown[]).includes(record.mode)) result.mode = record.mode as Mode;
    for (const field of MEDIA_FIELDS) {
      const value = record[field];
      if (typeof value !== 'string' || !value.startsWith('@')) continue;
      const referenced = resolve(dirname(path), value.slice(1));
      result.references.push({ field, path: referenced });
      const read = await requestValueForFile(referenced, field);
      if (read.value !== undefined) {
        record[field] = read.value;
      } else {
        failedFields.add(field);
        result.problems.push(...read.problems);
      }
    }
    body = record;
  }

  // `validate` answers exactly as the API would, so every base64 character is checked.
  const validation = options.probeUrls
    ? await validateCreateTaskAsync(body, { probeUrls: true, fetch: globalThis.fetch, base64Check: 'full' })
    : validateCreateTask(body, { base64Check: 'full' });
  for (const problem of validation.problems) {
    if (failedFields.has(problem.path)) continue;
    result.problems.push(problem);
  }
  result.image = validation.image;
  result.audio = validation.audio;
  result.ok = result.problems.length === 0;
  return result;
}

function describeMedia(result: RequestFileResult, mode: Mode): string {
  const parts: string[] = [];
  if (result.image) {
    const size = result.image.width ? ` ${result.image.width}×${result.image.height}` : '';
    parts.push(`image ${result.image.format.toUpperCase()}${size}`);
  }
  if (result.audio) {
    parts.push(
      `sound_file ${result.audio.format.toUpperCase()} ${formatSeconds(result.audio.durationSeconds)}`,
    );
    if (result.audio.durationSeconds !== undefined) {
      parts.push(`≈ ${formatUnitAmount(estimateUnits(result.audio.durationSeconds, mode))} units (${mode})`);
    }
  }
  return parts.length ? ` (${parts.join(', ')})` : '';
}

export async function runValidate(files: string[], options: ValidateOptions, io: CliIo): Promise<number> {
  const results: RequestFileResult[] = [];
  for (const file of files)
    results.push(await validateRequestFile(file, { cwd: io.cwd, probeUrls: options.probeUrls }));
  const ok = results.every((result) => result.ok);
  const exitCode = results.some((result) => !result.readable) ? EXIT.usage : ok ? EXIT.ok : EXIT.failure;

  if (options.json) {
    writeJson(io.stdout, { ok, files: results.map(({ readable, ...rest }) => ({ ...rest, readable })) });
    return exitCode;
  }
  for (const result of results) {
    if (result.ok) {
      writeLine(io.stdout, `✓ ${result.file}: acceptable${describeMedia(result, result.mode)}`);
      continue;
    }
    writeLine(io.stdout, `✗ ${result.file}: ${plural(result.problems.length, 'problem')}`);
    for (const problem of result.problems) {
      writeLine(io.stdout, `    ${problem.message} [${problem.code}]`);
      if (problem.apiMessage)
        writeLine(
          io.stdout,
          `      Kling would answer: ${problem.code === 'body_invalid' || problem.code === 'field_type' ? 1200 : 1201} "${problem.apiMessage}"`,
        );
    }
  }
  if (files.length > 1) {
    const bad = results.filter((result) => !result.ok).length;
    writeLine(
      io.stdout,
      bad
        ? `${bad} of ${plural(files.length, 'file')} not acceptable`
        : `all ${files.length} files acceptable`,
    );
  }
  return exitCode;
}
