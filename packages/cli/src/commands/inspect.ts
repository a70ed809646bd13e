/**
 * `kling-avatar inspect <file>…`: what core sees in an image or audio file (type by content, pixels,
 * aspect, bytes, duration) and a ✓/✗ line per Kling limit, each naming the limit.
 */
import { resolve } from 'node:path';
import {
  type AudioInfo,
  checkAudio,
  checkImage,
  estimateUnits,
  IMAGE_FORMATS,
  type ImageInfo,
  LIMITS,
} from '@kling-avatar/core';
import { type InspectedFile, inspectFile, unreadableReason } from '../media-file.js';
import { EXIT } from '../util/errors.js';
import { formatAspect, formatBytes, formatSeconds, formatUnitAmount } from '../util/format.js';
import { type CliIo, writeJson, writeLine } from '../util/io.js';

export interface LimitCheck {
  /** Which limit (`image format`, `image size`…). */
  limit: string;
  /** What the limit is, in words (`JPG, JPEG or PNG`, `≤ 10 MB`). */
  rule: string;
  ok: boolean;
  /** What was measured, or why it failed and how to fix it. */
  detail: string;
  code?: string;
}

export interface InspectResult {
  file: string;
  readable: boolean;
  kind: 'image' | 'audio' | 'unknown';
  format?: string;
  bytes?: number;
  width?: number;
  height?: number;
  aspectRatio?: number;
  durationSeconds?: number;
  sampleRate?: number;
  channels?: number;
  /** Units a video this long would cost, per mode (audio only). */
  estimatedUnits?: { std: number; pro: number };
  checks: LimitCheck[];
  ok: boolean;
  error?: string;
}

const MiB = 1024 * 1024;

function imageChecks(info: ImageInfo): LimitCheck[] {
  const problems = checkImage(info);
  const byCode = (...codes: string[]) => problems.find((problem) => codes.includes(problem.code));
  const { image } = LIMITS;
  const format = byCode('image_format', 'image_unreadable');
  const size = byCode('image_too_large');
  const small = byCode('image_too_small');
  const aspect = byCode('image_aspect_ratio');
  const known = info.width !== undefined && info.height !== undefined;
  const checks: LimitCheck[] = [
    {
      limit: 'image format',
      rule: IMAGE_FORMATS.join(', ').toUpperCase(),
      ok: !format,
      detail: format?.message ?? `${info.format.toUpperCase()} (from the content)`,
      code: format?.code,
    },
    {
      limit: 'image size',
      rule: `≤ ${image.maxBytes / MiB} MB`,
      ok: !size,
      detail: size?.message ?? formatBytes(info.bytes),
      code: size?.code,
    },
  ];
  checks.push({
    limit: 'image width and height',
    rule: `≥ ${image.minSidePx} px`,
    ok: known && !small,
    detail: small?.message ?? (known ? `${info.width} × ${info.height} px` : 'unknown (header unreadable)'),
    code: small?.code,
  });
  checks.push({
    limit: 'image aspect ratio',
    rule: `1:${image.maxAspectRatio} to ${image.maxAspectRatio}:1`,
    ok: known && !aspect,
    detail: aspect?.message ?? (known ? formatAspect(info.width!, info.height!) : 'unknown'),
    code: aspect?.code,
  });
  return checks;
}

function audioChecks(info: AudioInfo): LimitCheck[] {
  const problems = checkAudio(info);
  const byCode = (...codes: string[]) => problems.find((problem) => codes.includes(problem.code));
  const { audio } = LIMITS;
  const format = byCode('audio_format', 'audio_unreadable');
  const size = byCode('audio_too_large');
  const duration = byCode('audio_duration');
  return [
    {
      limit: 'audio format',
      rule: audio.formats.join(', ').toUpperCase(),
      ok: !format,
      detail: format?.message ?? `${info.format.toUpperCase()} (from the content)`,
      code: format?.code,
    },
    {
      limit: 'audio size',
      rule: `≤ ${audio.maxBytes / MiB} MB`,
      ok: !size,
      detail: size?.message ?? formatBytes(info.bytes),
      code: size?.code,
    },
    {
      limit: 'audio duration',
      rule: `${audio.minDurationSeconds}–${audio.maxDurationSeconds} s`,
      ok: info.durationSeconds !== undefined && !duration,
      detail: duration?.message ?? formatSeconds(info.durationSeconds),
      code: duration?.code,
    },
  ];
}

export function describeInspection(file: string, inspected: InspectedFile): InspectResult {
  if (inspected.kind === 'image' && inspected.image) {
    const { image } = inspected;
    const checks = imageChecks(image);
    return {
      file,
      readable: true,
      kind: 'image',
      format: image.format,
      bytes: image.bytes,
      width: image.width,
      height: image.height,
      aspectRatio:
        image.width && image.height ? Math.round((image.width / image.height) * 10000) / 10000 : undefined,
      checks,
      ok: checks.every((check) => check.ok),
    };
  }
  if (inspected.kind === 'audio' && inspected.audio) {
    const { audio } = inspected;
    const checks = audioChecks(audio);
    const seconds = audio.durationSeconds;
    return {
      file,
      readable: true,
      kind: 'audio',
      format: audio.format,
      bytes: audio.bytes,
      durationSeconds: seconds,
      sampleRate: audio.sampleRate,
      channels: audio.channels,
      estimatedUnits:
        seconds === undefined
          ? undefined
          : { std: estimateUnits(seconds, 'std'), pro: estimateUnits(seconds, 'pro') },
      checks,
      ok: checks.every((check) => check.ok),
    };
  }
  return {
    file,
    readable: true,
    kind: 'unknown',
    bytes: inspected.bytes,
    checks: [],
    ok: false,
    error: `not a recognised image or audio file (Kling takes ${IMAGE_FORMATS.join('/').toUpperCase()} portraits and ${LIMITS.audio.formats.join('/').toUpperCase()} audio; the type is read from the content, not the name)`,
  };
}

export async function runInspect(files: string[], options: { json?: boolean }, io: CliIo): Promise<number> {
  const results: InspectResult[] = [];
  for (const file of files) {
    try {
      results.push(describeInspection(file, await inspectFile(resolve(io.cwd, file))));
    } catch (error) {
      results.push({
        file,
        readable: false,
        kind: 'unknown',
        checks: [],
        ok: false,
        error: `cannot read ${file}: ${unreadableReason(error)}`,
      });
    }
  }
  const exitCode = results.some((result) => !result.readable)
    ? EXIT.usage
    : results.every((result) => result.ok)
      ? EXIT.ok
      : EXIT.failure;
  if (options.json) {
    writeJson(io.stdout, { ok: exitCode === EXIT.ok, files: results });
    return exitCode;
  }
  results.forEach((result, index) => {
    if (index > 0) writeLine(io.stdout);
    writeLine(io.stdout, result.file);
    if (!result.readable || result.kind === 'unknown') {
      if (result.bytes !== undefined) writeLine(io.stdout, `  bytes     ${formatBytes(result.bytes)}`);
      writeLine(io.stdout, `  ✗ ${result.error}`);
      return;
    }
    const kindName = result.kind === 'image' ? 'image' : 'audio';
    writeLine(
      io.stdout,
      `  type      ${result.format!.toUpperCase()} ${kindName} (detected from the content)`,
    );
    if (result.kind === 'image') {
      if (result.width !== undefined) {
        writeLine(io.stdout, `  pixels    ${result.width} × ${result.height}`);
        writeLine(io.stdout, `  aspect    ${formatAspect(result.width, result.height!)}`);
      }
    } else {
      writeLine(io.stdout, `  duration  ${formatSeconds(result.durationSeconds)}`);
      if (result.sampleRate) {
        const channels =
          result.channels === 1
            ? 'mono'
            : result.channels === 2
              ? 'stereo'
              : result.channels
                ? `${result.channels} channels`
                : '';
        writeLine(io.stdout, `  audio     ${result.sampleRate} Hz${channels ? `, ${channels}` : ''}`);
      }
    }
    writeLine(io.stdout, `  bytes     ${formatBytes(result.bytes!)}`);
    for (const check of result.checks) {
      const mark = check.ok ? '✓' : '✗';
      writeLine(io.stdout, `  ${mark} ${check.limit} ${check.rule}: ${check.detail}`);
    }
    if (result.estimatedUnits) {
      writeLine(
        io.stdout,
        `  cost      ≈ ${formatUnitAmount(result.estimatedUnits.std)} units std, ${formatUnitAmount(result.estimatedUnits.pro)} units pro (as a talking-avatar video)`,
      );
    }
  });
  return exitCode;
}
