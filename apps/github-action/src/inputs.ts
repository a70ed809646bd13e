/**
 * Action inputs → validated settings. Every problem is an `ActionInputError` naming the `with:` key
 * to fix; nothing here touches the network or renders anything.
 */
import { existsSync, statSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import * as core from '@actions/core';
import { BASE_URLS, MODES, type Mode, type Region } from '@kling-avatar/core';
import { ActionInputError } from './errors.js';

/** Reads one input; `''` when it is not set. */
export type InputReader = (name: string) => string;

export const readActionInput: InputReader = (name) => core.getInput(name);

export type Credentials = { apiKey: string } | { accessKey: string; secretKey: string };

export interface ActionSettings {
  /** Absolute folder relative paths resolve against (`working-directory` inside the workspace). */
  workingDirectory: string;
  /** Manifest path relative to `workingDirectory` (as written, for messages). */
  manifest?: string;
  images: string[];
  audio: string[];
  credentials?: Credentials;
  baseURL: string;
  /** Defaults for jobs made from `images`/`audio` when there is no manifest. */
  jobDefaults: { mode?: Mode; prompt?: string; watermark?: boolean };
  outputDir?: string;
  lockFile?: string;
  concurrency: number;
  maxUnits?: number;
  dryRun: boolean;
  force: boolean;
  taskTimeoutMs?: number;
  pollIntervalMs?: number;
  failOnError: boolean;
  githubToken?: string;
  prComment: boolean;
  commentId: string;
  releaseUpload: boolean;
}

const DEFAULT_MANIFESTS = ['avatars.yml', 'avatars.yaml', 'avatars.json'];
const TRUE_WORDS = new Set(['true', 'on', 'yes', '1']);
const FALSE_WORDS = new Set(['false', 'off', 'no', '0']);

// ── Input helpers ─────────────────────────────────────────────────────────────────────────────────

export function getOptionalInput(read: InputReader, name: string): string | undefined {
  const value = read(name).trim();
  return value === '' ? undefined : value;
}

/** `true`/`false`, also `on`/`off`, `yes`/`no`, `1`/`0` (any case). */
export function getBooleanInput(read: InputReader, name: string, fallback: boolean): boolean {
  const value = getOptionalInput(read, name);
  if (value === undefined) return fallback;
  const word = value.toLowerCase();
  if (TRUE_WORDS.has(word)) return true;
  if (FALSE_WORDS.has(word)) return false;
  throw new ActionInputError(name, `"${value}" is not a boolean; use true or false (or on/off).`);
}

/** One entry per line; blank lines and `#` comments are dropped. Commas are kept (`{a,b}.png` globs). */
export function getListInput(read: InputReader, name: string): string[] {
  return read(name)
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

export function getIntegerInput(
  read: InputReader,
  name: string,
  options: { fallback: number; min: number; max: number },
): number {
  const value = getOptionalInput(read, name);
  if (value === undefined) return options.fallback;
  const number = Number(value);
  if (!/^\d+$/.test(value) || number < options.min || number > options.max) {
    throw new ActionInputError(
      name,
      `"${value}" must be a whole number from ${options.min} to ${options.max} (default ${options.fallback}).`,
    );
  }
  return number;
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `900`, `90s`, `15m`, `1h`, `500ms`; a bare number means seconds. */
export function parseDuration(value: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/i.exec(value.trim());
  if (!match) return undefined;
  const milliseconds = Number(match[1]) * DURATION_UNITS[(match[2] ?? 's').toLowerCase()]!;
  return Number.isFinite(milliseconds) && milliseconds > 0 ? Math.round(milliseconds) : undefined;
}

export function getDurationInput(read: InputReader, name: string, example: string): number | undefined {
  const value = getOptionalInput(read, name);
  if (value === undefined) return undefined;
  const milliseconds = parseDuration(value);
  if (milliseconds === undefined) {
    throw new ActionInputError(
      name,
      `"${value}" is not a duration; write e.g. ${example} (units ms, s, m, h; a bare number is seconds).`,
    );
  }
  return milliseconds;
}

// ── Settings ──────────────────────────────────────────────────────────────────────────────────────

export function readSettings(
  read: InputReader = readActionInput,
  env: NodeJS.ProcessEnv = process.env,
): ActionSettings {
  const workspace = resolve(env.GITHUB_WORKSPACE || process.cwd());
  const workingDirectoryInput = getOptionalInput(read, 'working-directory') ?? '.';
  const workingDirectory = resolve(workspace, workingDirectoryInput);
  if (!isDirectory(workingDirectory)) {
    throw new ActionInputError(
      'working-directory',
      `"${workingDirectoryInput}" is not a folder (resolved to ${workingDirectory}). Did you run actions/checkout first?`,
    );
  }

  // Jobs: a manifest, images + audio globs, or both.
  const images = getListInput(read, 'images');
  const audio = getListInput(read, 'audio');
  if (images.length > 0 && audio.length === 0) {
    throw new ActionInputError(
      'audio',
      'is required with "images": images and audio are paired by base name.',
    );
  }
  if (audio.length > 0 && images.length === 0) {
    throw new ActionInputError(
      'images',
      'is required with "audio": images and audio are paired by base name.',
    );
  }
  let manifest = getOptionalInput(read, 'manifest');
  if (manifest) {
    const manifestPath = resolve(workingDirectory, manifest);
    if (!existsSync(manifestPath)) {
      throw new ActionInputError(
        'manifest',
        `${manifest} does not exist (looked in ${displayPath(workspace, workingDirectory)}).`,
      );
    }
  } else if (images.length === 0) {
    manifest = DEFAULT_MANIFESTS.find((name) => existsSync(resolve(workingDirectory, name)));
    if (!manifest) {
      throw new ActionInputError(
        'manifest',
        `nothing to render: set "manifest" (e.g. avatars.yml), or "images" and "audio" globs (no ${DEFAULT_MANIFESTS[0]} in ${displayPath(workspace, workingDirectory)}).`,
      );
    }
  }

  // Defaults for glob jobs. With a manifest its own `defaults:` block rules; two sources of truth
  // for the same setting would be a trap, so say where it goes instead of picking one silently.
  const modeInput = getOptionalInput(read, 'mode');
  let mode: Mode | undefined;
  if (modeInput !== undefined) {
    const lower = modeInput.toLowerCase();
    if (!(MODES as readonly string[]).includes(lower)) {
      throw new ActionInputError('mode', `"${modeInput}" is not a mode; use ${MODES.join(' or ')}.`);
    }
    mode = lower as Mode;
  }
  const prompt = getOptionalInput(read, 'prompt');
  const watermarkInput = getOptionalInput(read, 'watermark');
  const watermark = watermarkInput === undefined ? undefined : getBooleanInput(read, 'watermark', false);
  if (manifest) {
    const misplaced = (
      [
        ['mode', mode],
        ['prompt', prompt],
        ['watermark', watermark],
      ] as const
    ).find(([, value]) => value !== undefined);
    if (misplaced) {
      throw new ActionInputError(
        misplaced[0],
        `applies to jobs from "images"/"audio" without a manifest; with ${manifest}, set \`defaults.${misplaced[0]}\` (or the job's \`${misplaced[0]}\`) in the manifest instead.`,
      );
    }
  }

  const dryRun = getBooleanInput(read, 'dry-run', false);
  const credentials = readCredentials(read);
  const baseURL = readBaseUrl(read);

  const commentId = getOptionalInput(read, 'comment-id') ?? 'kling-avatar';
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(commentId)) {
    throw new ActionInputError(
      'comment-id',
      `"${commentId}" may use only letters, digits, ".", "_" and "-" (it goes into a hidden HTML marker).`,
    );
  }

  let maxUnits: number | undefined;
  const maxUnitsInput = getOptionalInput(read, 'max-units');
  if (maxUnitsInput !== undefined) {
    maxUnits = Number(maxUnitsInput);
    if (!/^\d+(\.\d+)?$/.test(maxUnitsInput) || !Number.isFinite(maxUnits)) {
      throw new ActionInputError(
        'max-units',
        `"${maxUnitsInput}" must be a number of units of 0 or more (e.g. 20); leave it empty for no budget.`,
      );
    }
  }

  return {
    workingDirectory,
    manifest,
    images,
    audio,
    credentials,
    baseURL,
    jobDefaults: { mode, prompt, watermark },
    outputDir: getOptionalInput(read, 'output-dir'),
    lockFile: getOptionalInput(read, 'lock-file'),
    concurrency: getIntegerInput(read, 'concurrency', { fallback: 5, min: 1, max: 50 }),
    maxUnits,
    dryRun,
    force: getBooleanInput(read, 'force', false),
    taskTimeoutMs: getDurationInput(read, 'task-timeout', '15m'),
    pollIntervalMs: getDurationInput(read, 'poll-interval', '3s'),
    failOnError: getBooleanInput(read, 'fail-on-error', true),
    githubToken: getOptionalInput(read, 'github-token'),
    prComment: getBooleanInput(read, 'pr-comment', true),
    commentId,
    releaseUpload: getBooleanInput(read, 'release-upload', false),
  };
}

/** `api-key`, or `access-key` + `secret-key`; `undefined` when none is set. */
export function readCredentials(read: InputReader): Credentials | undefined {
  const apiKey = getOptionalInput(read, 'api-key');
  const accessKey = getOptionalInput(read, 'access-key');
  const secretKey = getOptionalInput(read, 'secret-key');
  if (apiKey && (accessKey || secretKey)) {
    throw new ActionInputError(
      accessKey ? 'access-key' : 'secret-key',
      'is set together with "api-key"; give either api-key, or access-key + secret-key, not both.',
    );
  }
  if (apiKey) return { apiKey };
  if (accessKey && !secretKey) {
    throw new ActionInputError(
      'secret-key',
      `is required with "access-key" (e.g. secret-key: \${{ secrets.KLING_SECRET_KEY }}).`,
    );
  }
  if (secretKey && !accessKey) {
    throw new ActionInputError(
      'access-key',
      `is required with "secret-key" (e.g. access-key: \${{ secrets.KLING_ACCESS_KEY }}).`,
    );
  }
  if (accessKey && secretKey) return { accessKey, secretKey };
  return undefined;
}

/** `base-url` wins over `region`; default Singapore. No trailing slash (it is part of the cache key). */
export function readBaseUrl(read: InputReader): string {
  const baseUrl = getOptionalInput(read, 'base-url');
  if (baseUrl) {
    if (!/^https?:\/\//i.test(baseUrl) || !URL.canParse(baseUrl)) {
      throw new ActionInputError(
        'base-url',
        `"${baseUrl}" is not an http(s) URL (for example https://api-singapore.klingai.com).`,
      );
    }
    return baseUrl.replace(/\/+$/, '');
  }
  const region = getOptionalInput(read, 'region')?.toLowerCase() ?? 'singapore';
  if (!(region in BASE_URLS)) {
    throw new ActionInputError(
      'region',
      `"${region}" is not a region; use ${Object.keys(BASE_URLS).join(' or ')}, or set "base-url".`,
    );
  }
  return BASE_URLS[region as Region];
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function displayPath(workspace: string, path: string): string {
  const inside = relative(workspace, path);
  if (inside === '') return 'the workspace root';
  return inside.startsWith('..') || isAbsolute(inside) ? path : inside;
}
