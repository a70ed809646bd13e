/**
 * Client settings from the environment and flags: `KLING_API_KEY`, or `KLING_ACCESS_KEY` +
 * `KLING_SECRET_KEY` (the client mints JWTs); `KLING_BASE_URL`, `--base-url` or `--region`.
 */
import { BASE_URLS, type KlingAvatarClientOptions, type Region } from '@kling-avatar/core';
import { UsageError } from './util/errors.js';

export interface ConnectionFlags {
  baseUrl?: string;
  region?: string;
}

export type Credentials = { apiKey: string } | { accessKey: string; secretKey: string };

const SETUP_HINT =
  'Set KLING_API_KEY, or KLING_ACCESS_KEY and KLING_SECRET_KEY (from the Kling console). To try things locally, run `kling-avatar sandbox` and paste the export lines it prints.';

/** Credentials in the environment, `undefined` when there are none; half a key pair is an error. */
export function credentialsFromEnv(env: Record<string, string | undefined>): Credentials | undefined {
  const apiKey = env.KLING_API_KEY?.trim();
  if (apiKey) return { apiKey };
  const accessKey = env.KLING_ACCESS_KEY?.trim();
  const secretKey = env.KLING_SECRET_KEY?.trim();
  if (accessKey && secretKey) return { accessKey, secretKey };
  if (accessKey || secretKey) {
    const missing = accessKey ? 'KLING_SECRET_KEY' : 'KLING_ACCESS_KEY';
    throw new UsageError(
      `${missing} is not set: an access key needs its secret key (or use KLING_API_KEY).`,
      SETUP_HINT,
    );
  }
  return undefined;
}

export function parseRegion(value: string): Region {
  const region = value.trim().toLowerCase();
  if (region in BASE_URLS) return region as Region;
  throw new UsageError(
    `unknown region "${value}"; use ${Object.keys(BASE_URLS).join(' or ')}, or --base-url.`,
  );
}

/** Base URL: `--base-url`, else `--region`, else `KLING_BASE_URL`, else Singapore. */
export function baseUrlFrom(flags: ConnectionFlags, env: Record<string, string | undefined>): string {
  const explicit = flags.baseUrl ?? (flags.region ? undefined : env.KLING_BASE_URL?.trim() || undefined);
  if (explicit) {
    if (!/^https?:\/\//i.test(explicit) || !URL.canParse(explicit)) {
      const source = flags.baseUrl ? '--base-url' : 'KLING_BASE_URL';
      throw new UsageError(
        `${source} "${explicit}" is not an http(s) URL (for example https://api-singapore.klingai.com).`,
      );
    }
    return explicit.replace(/\/+$/, '');
  }
  return BASE_URLS[flags.region ? parseRegion(flags.region) : 'singapore'];
}

/** Options for `createKlingAvatarClient`; a clear usage error when credentials are missing. */
export function clientOptionsFrom(
  flags: ConnectionFlags,
  env: Record<string, string | undefined>,
): KlingAvatarClientOptions {
  const credentials = credentialsFromEnv(env);
  if (!credentials) throw new UsageError('no Kling credentials in the environment.', SETUP_HINT);
  return { baseURL: baseUrlFrom(flags, env), ...credentials };
}
