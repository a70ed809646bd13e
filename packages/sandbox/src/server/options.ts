/** Sandbox settings with their defaults (API reference §11 where it names one). */
import { randomBytes } from 'node:crypto';

/** Server-wide or per-request faults (header `x-sandbox-fault`), for users' own failure tests. */
export interface FaultSpec {
  /** Answer this business code (with its HTTP status from core's table) instead of handling the request. */
  error?: number;
  /** Delay the response by this many ms. */
  delayMs?: number;
  /** On create: store the task, then drop the connection without answering. */
  dropAfterCommit?: boolean;
  /** The created task ends `failed` with this `task_status_msg`. */
  failTask?: string;
}

export interface SandboxCredentials {
  apiKey: string;
  accessKey: string;
  secretKey: string;
  /** Set when callbacks are signed. */
  callbackSecret?: string;
}

export interface SandboxOptions {
  /** Port to listen on; 0 (default) picks a free one. */
  port?: number;
  /** Interface to bind; default 127.0.0.1. */
  host?: string;
  /** Accepted API keys; default one generated key. */
  apiKeys?: string[];
  /** Accepted access key / secret key pairs for JWTs; default one generated pair. */
  accessKeys?: { accessKey: string; secretKey: string }[];
  /** Lifecycle delays: `submitted` lasts `submittedMs`, `processing` at least `processingMs` (and the render). */
  timings?: { submittedMs?: number; processingMs?: number };
  /** Tasks running at once (submitted + processing) before creates get 429/1303. Default 5. */
  concurrency?: number;
  /** Keep tasks and media here across restarts; default: memory and a temporary folder. */
  dataDir?: string;
  /** `whsec_…`: callbacks are signed with Standard Webhooks headers. */
  callbackSecret?: string;
  /** Callback retries (default 5) after about 1, 2, 4, 8, 16 s (each drawn from [d/2, d]). */
  callbackRetry?: { retries?: number; initialDelayMs?: number; timeoutMs?: number };
  /** Faults applied to every request (a request header adds to them). */
  faults?: FaultSpec;
  /** Renders running at once; default the CPU count. */
  renderConcurrency?: number;
  /** Time limit for fetching URL media (default 10 s) and its size cap (the media limit + 1 byte). */
  urlFetchTimeoutMs?: number;
  /** The sandbox clock in ms (tests move it to expire tasks). */
  now?: () => number;
  /** Public base URL for media links when behind a proxy; default the listening address. */
  publicUrl?: string;
  /** Log one line per request to this function. */
  log?: (line: string) => void;
}

export interface ResolvedOptions {
  port: number;
  host: string;
  apiKeys: string[];
  accessKeys: { accessKey: string; secretKey: string }[];
  submittedMs: number;
  processingMs: number;
  concurrency: number;
  dataDir?: string;
  callbackSecret?: string;
  callbackRetries: number;
  callbackInitialDelayMs: number;
  callbackTimeoutMs: number;
  faults: FaultSpec;
  renderConcurrency?: number;
  urlFetchTimeoutMs: number;
  now: () => number;
  publicUrl?: string;
  log?: (line: string) => void;
}

const token = (bytes: number) => randomBytes(bytes).toString('hex');

export function resolveOptions(options: SandboxOptions): ResolvedOptions {
  return {
    port: options.port ?? 0,
    host: options.host ?? '127.0.0.1',
    apiKeys: options.apiKeys?.length ? options.apiKeys : [`sandbox-${token(12)}`],
    accessKeys: options.accessKeys?.length
      ? options.accessKeys
      : [{ accessKey: `AK${token(8)}`, secretKey: `SK${token(16)}` }],
    submittedMs: options.timings?.submittedMs ?? 1000,
    processingMs: options.timings?.processingMs ?? 3000,
    concurrency: options.concurrency ?? 5,
    dataDir: options.dataDir,
    callbackSecret: options.callbackSecret,
    callbackRetries: options.callbackRetry?.retries ?? 5,
    callbackInitialDelayMs: options.callbackRetry?.initialDelayMs ?? 1000,
    callbackTimeoutMs: options.callbackRetry?.timeoutMs ?? 10_000,
    faults: options.faults ?? {},
    renderConcurrency: options.renderConcurrency,
    urlFetchTimeoutMs: options.urlFetchTimeoutMs ?? 10_000,
    now: options.now ?? Date.now,
    publicUrl: options.publicUrl,
    log: options.log,
  };
}

export class FaultSyntaxError extends Error {}

/**
 * Parse `error=1102;delay=200;drop-after-commit;fail-task=risk control` into a fault spec. The header
 * form is lenient (unknown entries are ignored); `strict` (command-line flags) throws on a typo.
 */
export function parseFaults(spec: string | undefined, options: { strict?: boolean } = {}): FaultSpec {
  const faults: FaultSpec = {};
  if (!spec) return faults;
  for (const entry of spec.split(';')) {
    if (!entry.trim()) continue;
    const [rawName, ...rest] = entry.split('=');
    const name = rawName?.trim().toLowerCase();
    const value = rest.join('=').trim();
    if (name === 'error' && /^\d{4}$/.test(value)) faults.error = Number(value);
    else if (name === 'delay' && /^\d+$/.test(value)) faults.delayMs = Number(value);
    else if (name === 'drop-after-commit' && !value) faults.dropAfterCommit = true;
    else if (name === 'fail-task')
      faults.failTask = value || 'content risk control: the sandbox was asked to fail this task';
    else if (options.strict) {
      throw new FaultSyntaxError(
        `"${entry.trim()}" is not a fault. Use error=<code> (e.g. error=1102), delay=<ms>, drop-after-commit or fail-task=<message>, separated by ";".`,
      );
    }
  }
  return faults;
}
