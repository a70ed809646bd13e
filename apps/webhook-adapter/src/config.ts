/**
 * Configuration from environment variables, validated once at start-up. Every problem is reported at
 * once, naming the variable and what it expects, so a misconfigured deployment fails before it listens.
 */
import { z } from 'zod';

export interface ApiKeyEntry {
  /** Short name used as the owner of every record the key creates, in logs and metrics. */
  name: string;
  key: string;
}

export interface AdapterConfig {
  host: string;
  port: number;
  /** Public base URL of this service; Kling POSTs callbacks to `${publicBaseUrl}/v1/kling/callbacks/…`. */
  publicBaseUrl: string;
  apiKeys: ApiKeyEntry[];
  kling: {
    baseUrl: string;
    apiKey?: string;
    accessKey?: string;
    secretKey?: string;
    /** `whsec_…` secrets (several while rotating). Empty: callbacks are authenticated by URL token + GET. */
    webhookSecrets: string[];
    requestTimeoutMs: number;
  };
  storage:
    | { kind: 'sqlite'; path: string }
    | { kind: 'postgres'; url: string; schema: string; poolSize: number };
  delivery: {
    /** Give up (dead-letter) once a delivery is this old. */
    retryWindowMs: number;
    initialBackoffMs: number;
    maxBackoffMs: number;
    timeoutMs: number;
    concurrency: number;
    pollIntervalMs: number;
    /** A claimed delivery not finished within this is claimable again (the sender crashed). */
    leaseMs: number;
  };
  reconcile: {
    /** Non-final tasks without a callback for this long are polled. */
    afterMs: number;
    /** Between two polls of the same task. */
    everyMs: number;
    /** How often the reconciler looks for work. */
    intervalMs: number;
    /** A create whose Kling call never finished (crash) is resolved after this. */
    createTimeoutMs: number;
  };
  rateLimit: { max: number; windowMs: number };
  /** REST hooks one API key may hold. */
  maxHooksPerKey: number;
  /** Hosts, IP addresses and CIDR ranges exempt from the https/public-address rules (local testing). */
  outboundAllowList: string[];
  /** Download URL media before creating, to check it with core's rules (and the SSRF guard). */
  probeMediaUrls: boolean;
  maxBodyBytes: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  shutdownTimeoutMs: number;
  /** Finished deliveries and their events are deleted after this (result files expire at Kling after 30 days). */
  retentionMs: number;
  /** Trust X-Forwarded-* headers (behind a reverse proxy or load balancer). */
  trustProxy: boolean;
  /** Identifies this process in delivery claims and logs. */
  replicaId: string;
}

const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `1500`, `1500ms`, `5s`, `10m`, `24h`, `1d` → milliseconds. */
export function parseDuration(value: string): number | undefined {
  const match = DURATION.exec(value.trim());
  if (!match) return undefined;
  return Math.round(Number(match[1]) * UNIT_MS[match[2] ?? 'ms']!);
}

const duration = (fallback: string, { min = 0 }: { min?: number } = {}) =>
  z
    .string()
    .default(fallback)
    .transform((value, context) => {
      const ms = parseDuration(value);
      if (ms === undefined || ms < min) {
        context.addIssue({
          code: 'custom',
          message: `expected a duration like 500ms, 5s, 10m, 24h (at least ${min} ms), got "${value}"`,
        });
        return z.NEVER;
      }
      return ms;
    });

const integer = (fallback: number, min: number, max: number) =>
  z
    .string()
    .default(String(fallback))
    .transform((value, context) => {
      const number = Number(value);
      if (!/^\d+$/.test(value.trim()) || number < min || number > max) {
        context.addIssue({ code: 'custom', message: `expected an integer ${min}–${max}, got "${value}"` });
        return z.NEVER;
      }
      return number;
    });

const boolean = (fallback: boolean) =>
  z
    .string()
    .default(String(fallback))
    .transform((value, context) => {
      const normalized = value.trim().toLowerCase();
      if (['1', 'true', 'yes', 'on'].includes(normalized)) return true;
      if (['0', 'false', 'no', 'off'].includes(normalized)) return false;
      context.addIssue({ code: 'custom', message: `expected true or false, got "${value}"` });
      return z.NEVER;
    });

const list = z
  .string()
  .default('')
  .transform((value) =>
    value
      .split(',')
      .map((entry) => entry.trim())
      .filter(Boolean),
  );

const envSchema = z.object({
  HOST: z.string().default('0.0.0.0'),
  PORT: integer(8080, 0, 65535),
  PUBLIC_BASE_URL: z
    .string({ error: 'required: the https URL where Kling can reach this service' })
    .refine((value) => /^https?:\/\//i.test(value) && URL.canParse(value), 'expected an absolute http(s) URL')
    .transform((value) => value.replace(/\/+$/, '')),
  ADAPTER_API_KEYS: z
    .string({ error: 'required: comma-separated name:key pairs, e.g. "zapier:3f9c…"' })
    .transform((value, context) => {
      const entries: ApiKeyEntry[] = [];
      for (const item of value
        .split(',')
        .map((part) => part.trim())
        .filter(Boolean)) {
        const colon = item.indexOf(':');
        const name = colon > 0 ? item.slice(0, colon) : '';
        const key = colon > 0 ? item.slice(colon + 1) : item;
        if (!/^[A-Za-z0-9_.-]{1,64}$/.test(name)) {
          context.addIssue({
            code: 'custom',
            message: 'each entry must be name:key with a name of letters, digits, _ . -',
          });
          return z.NEVER;
        }
        if (key.length < 16) {
          context.addIssue({
            code: 'custom',
            message: `key "${name}" is shorter than 16 characters; use a random key`,
          });
          return z.NEVER;
        }
        if (entries.some((entry) => entry.name === name)) {
          context.addIssue({ code: 'custom', message: `key name "${name}" appears twice` });
          return z.NEVER;
        }
        entries.push({ name, key });
      }
      if (entries.length === 0) {
        context.addIssue({ code: 'custom', message: 'at least one name:key pair is required' });
        return z.NEVER;
      }
      return entries;
    }),
  KLING_BASE_URL: z
    .string()
    .default('https://api-singapore.klingai.com')
    .refine(
      (value) => /^https?:\/\//i.test(value) && URL.canParse(value),
      'expected an absolute http(s) URL',
    ),
  KLING_API_KEY: z.string().optional(),
  KLING_ACCESS_KEY: z.string().optional(),
  KLING_SECRET_KEY: z.string().optional(),
  KLING_WEBHOOK_SECRET: list.refine(
    (secrets) => secrets.every((secret) => /^whsec_[A-Za-z0-9+/]+=*$/.test(secret)),
    'expected whsec_<base64> (comma-separated while rotating)',
  ),
  KLING_REQUEST_TIMEOUT: duration('60s', { min: 100 }),
  DATABASE_URL: z
    .string()
    .optional()
    .refine((value) => value === undefined || /^postgres(ql)?:\/\//.test(value), 'expected postgres://…'),
  DATABASE_SCHEMA: z
    .string()
    .default('public')
    .refine((value) => /^[a-z_][a-z0-9_]{0,62}$/.test(value), 'expected a lower-case SQL identifier'),
  DATABASE_POOL_SIZE: integer(10, 1, 200),
  SQLITE_PATH: z.string().default('./data/webhook-adapter.db'),
  DELIVERY_RETRY_WINDOW: duration('24h', { min: 1 }),
  DELIVERY_INITIAL_BACKOFF: duration('5s', { min: 1 }),
  DELIVERY_MAX_BACKOFF: duration('2h', { min: 1 }),
  DELIVERY_TIMEOUT: duration('15s', { min: 100 }),
  DELIVERY_CONCURRENCY: integer(32, 1, 1000),
  DELIVERY_POLL_INTERVAL: duration('500ms', { min: 10 }),
  DELIVERY_LEASE: duration('60s', { min: 1000 }),
  RECONCILE_AFTER: duration('10m', { min: 0 }),
  RECONCILE_EVERY: duration('2m', { min: 10 }),
  RECONCILE_INTERVAL: duration('30s', { min: 10 }),
  CREATE_TIMEOUT: duration('2m', { min: 100 }),
  RATE_LIMIT_MAX: integer(120, 1, 1_000_000),
  RATE_LIMIT_WINDOW: duration('1m', { min: 100 }),
  MAX_HOOKS_PER_KEY: integer(100, 1, 100_000),
  OUTBOUND_ALLOWLIST: list,
  PROBE_MEDIA_URLS: boolean(true),
  MAX_BODY_BYTES: integer(22 * 1024 * 1024, 1024, 200 * 1024 * 1024),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SHUTDOWN_TIMEOUT: duration('10s', { min: 0 }),
  RETENTION: duration('30d', { min: 60_000 }),
  TRUST_PROXY: boolean(false),
  REPLICA_ID: z.string().optional(),
});

/** Kling credentials: an API key, or an access key with its secret key. */
function credentialProblems(env: Record<string, string | undefined>): string[] {
  const hasKey = Boolean(env.KLING_API_KEY);
  const hasAccess = Boolean(env.KLING_ACCESS_KEY);
  const hasSecret = Boolean(env.KLING_SECRET_KEY);
  if (hasKey) return [];
  if (!hasAccess && !hasSecret)
    return ['KLING_API_KEY: required: a Kling API key, or KLING_ACCESS_KEY and KLING_SECRET_KEY'];
  if (hasAccess !== hasSecret)
    return [
      `${hasAccess ? 'KLING_SECRET_KEY' : 'KLING_ACCESS_KEY'}: KLING_ACCESS_KEY and KLING_SECRET_KEY go together`,
    ];
  return [];
}

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(
      `Invalid configuration (${problems.length} problem(s)):\n${problems.map((line) => `  - ${line}`).join('\n')}`,
    );
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** Read and validate the configuration; throws `ConfigError` listing every problem. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AdapterConfig {
  // Empty strings mean "not set", as with most twelve-factor tooling.
  const cleaned = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ''),
  );
  const parsed = envSchema.safeParse(cleaned);
  const problems = parsed.success
    ? []
    : parsed.error.issues.map((issue) => `${issue.path.join('.') || 'environment'}: ${issue.message}`);
  problems.push(...credentialProblems(cleaned));
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  const value = parsed.data;
  return {
    host: value.HOST,
    port: value.PORT,
    publicBaseUrl: value.PUBLIC_BASE_URL,
    apiKeys: value.ADAPTER_API_KEYS,
    kling: {
      baseUrl: value.KLING_BASE_URL,
      apiKey: value.KLING_API_KEY,
      accessKey: value.KLING_ACCESS_KEY,
      secretKey: value.KLING_SECRET_KEY,
      webhookSecrets: value.KLING_WEBHOOK_SECRET,
      requestTimeoutMs: value.KLING_REQUEST_TIMEOUT,
    },
    storage: value.DATABASE_URL
      ? {
          kind: 'postgres',
          url: value.DATABASE_URL,
          schema: value.DATABASE_SCHEMA,
          poolSize: value.DATABASE_POOL_SIZE,
        }
      : { kind: 'sqlite', path: value.SQLITE_PATH },
    delivery: {
      retryWindowMs: value.DELIVERY_RETRY_WINDOW,
      initialBackoffMs: value.DELIVERY_INITIAL_BACKOFF,
      maxBackoffMs: value.DELIVERY_MAX_BACKOFF,
      timeoutMs: value.DELIVERY_TIMEOUT,
      concurrency: value.DELIVERY_CONCURRENCY,
      pollIntervalMs: value.DELIVERY_POLL_INTERVAL,
      leaseMs: Math.max(value.DELIVERY_LEASE, value.DELIVERY_TIMEOUT + 5000),
    },
    reconcile: {
      afterMs: value.RECONCILE_AFTER,
      everyMs: value.RECONCILE_EVERY,
      intervalMs: value.RECONCILE_INTERVAL,
      createTimeoutMs: value.CREATE_TIMEOUT,
    },
    rateLimit: { max: value.RATE_LIMIT_MAX, windowMs: value.RATE_LIMIT_WINDOW },
    maxHooksPerKey: value.MAX_HOOKS_PER_KEY,
    outboundAllowList: value.OUTBOUND_ALLOWLIST,
    probeMediaUrls: value.PROBE_MEDIA_URLS,
    maxBodyBytes: value.MAX_BODY_BYTES,
    logLevel: value.LOG_LEVEL,
    shutdownTimeoutMs: value.SHUTDOWN_TIMEOUT,
    retentionMs: value.RETENTION,
    trustProxy: value.TRUST_PROXY,
    replicaId: value.REPLICA_ID ?? `${process.pid}-${Math.random().toString(36).slice(2, 8)}`,
  };
}

/** The configuration with every secret replaced, for the start-up log line. */
export function describeConfig(config: AdapterConfig): Record<string, unknown> {
  const redacted = '[redacted]';
  return {
    ...config,
    apiKeys: config.apiKeys.map((entry) => ({ name: entry.name, key: redacted })),
    kling: {
      ...config.kling,
      apiKey: config.kling.apiKey ? redacted : undefined,
      secretKey: config.kling.secretKey ? redacted : undefined,
      webhookSecrets: config.kling.webhookSecrets.map(() => redacted),
    },
    storage:
      config.storage.kind === 'postgres'
        ? { ...config.storage, url: config.storage.url.replace(/\/\/([^@/]*)@/, '//[redacted]@') }
        : config.storage,
  };
}
