import { LIMITS } from './limits.js';

/**
 * Download media from a URL the way Kling would fetch it, with a time limit and a size cap, through an
 * injected `fetch` (the n8n node passes its own transport; nothing here touches globals or timers).
 */

export interface FetchMediaOptions {
  /** The transport. Required: portable code never reaches for a global `fetch`. */
  fetch: typeof fetch;
  /** Whole download (headers and body) must finish within this. Default `LIMITS.mediaUrlTimeoutMs` (§11). */
  timeoutMs?: number;
  /** Stop reading after `maxBytes + 1` bytes: one byte over is enough to know the file is too large. */
  maxBytes: number;
  /** Cancels the download; an abort through this signal rejects instead of returning a result. */
  signal?: AbortSignal;
  /** Bytes to keep from a response whose Content-Length is already over `maxBytes`, for format sniffing. */
  headBytes?: number;
}

export type FetchMediaResult =
  | {
      ok: true;
      /** The body, or its first bytes when `complete` is false. */
      bytes: Uint8Array;
      /** Size of the file: exact when `complete`; otherwise Content-Length or a lower bound (> maxBytes). */
      totalBytes: number;
      /** False when reading stopped at the size cap. */
      complete: boolean;
      status: number;
      contentType?: string;
    }
  | { ok: false; reason: string; status?: number; timedOut: boolean };

export const DEFAULT_MEDIA_TIMEOUT_MS = LIMITS.mediaUrlTimeoutMs;
const DEFAULT_HEAD_BYTES = 64 * 1024;

function concat(chunks: Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1 && chunks[0]!.length === total) return chunks[0]!;
  const joined = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    joined.set(chunk, offset);
    offset += chunk.length;
  }
  return joined;
}

/** Combine the caller's signal with the timeout without `AbortSignal.any` (missing before Node 20.3). */
function linkSignals(target: AbortController, sources: (AbortSignal | undefined)[]): () => void {
  const cleanups: (() => void)[] = [];
  for (const source of sources) {
    if (!source) continue;
    if (source.aborted) {
      target.abort(source.reason);
      continue;
    }
    const onAbort = () => target.abort(source.reason);
    source.addEventListener('abort', onAbort, { once: true });
    cleanups.push(() => source.removeEventListener('abort', onAbort));
  }
  return () => {
    for (const cleanup of cleanups) cleanup();
  };
}

function errorText(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    return cause instanceof Error ? `${error.message} (${cause.message})` : error.message;
  }
  return String(error);
}

/**
 * GET `url` and return at most `maxBytes + 1` bytes. Network errors, non-2xx answers and timeouts are
 * results (`ok: false`), not exceptions, because they are validation outcomes; only the caller's own
 * abort rejects.
 */
export async function fetchMediaBytes(url: string, options: FetchMediaOptions): Promise<FetchMediaResult> {
  const requested = options.timeoutMs ?? DEFAULT_MEDIA_TIMEOUT_MS;
  // AbortSignal.timeout throws on negative or non-finite values; a bad setting falls back to the default.
  const timeoutMs = Number.isFinite(requested) && requested >= 0 ? requested : DEFAULT_MEDIA_TIMEOUT_MS;
  const maxBytes = options.maxBytes;
  const timeout = AbortSignal.timeout(timeoutMs);
  const controller = new AbortController();
  const unlink = linkSignals(controller, [timeout, options.signal]);
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  try {
    const response = await options.fetch(url, { signal: controller.signal, redirect: 'follow' });
    const contentType = response.headers.get('content-type') ?? undefined;
    const typed = contentType === undefined ? {} : { contentType };
    if (!response.ok) {
      await response.body?.cancel().catch(() => {});
      return { ok: false, reason: `HTTP ${response.status}`, status: response.status, timedOut: false };
    }
    const declaredHeader = response.headers.get('content-length');
    const declared =
      declaredHeader !== null && /^\d+$/.test(declaredHeader) ? Number(declaredHeader) : undefined;
    // Already known to be too large: keep only enough to name the format, never the body.
    const keepLimit =
      declared !== undefined && declared > maxBytes
        ? (options.headBytes ?? DEFAULT_HEAD_BYTES)
        : maxBytes + 1;
    if (!response.body) {
      // Some fetch stand-ins have no stream; they have already buffered the body anyway.
      const whole = new Uint8Array(await response.arrayBuffer());
      const complete = whole.length <= maxBytes;
      return {
        ok: true,
        bytes: complete ? whole : whole.subarray(0, keepLimit),
        totalBytes: whole.length,
        complete,
        status: response.status,
        ...typed,
      };
    }
    reader = response.body.getReader();
    const chunks: Uint8Array[] = [];
    let received = 0;
    let stopped = false;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const room = keepLimit - received;
      chunks.push(value.length > room ? value.subarray(0, room) : value);
      received += Math.min(value.length, room);
      if (received >= keepLimit) {
        stopped = true;
        break;
      }
    }
    if (stopped) {
      await reader.cancel().catch(() => {});
      controller.abort();
    }
    const bytes = concat(chunks, received);
    // Stopping early always means "more than we keep": over maxBytes, or over by Content-Length.
    const complete = !stopped;
    return {
      ok: true,
      bytes,
      totalBytes: complete ? received : Math.max(declared ?? 0, received),
      complete,
      status: response.status,
      ...typed,
    };
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason ?? error;
    if (timeout.aborted) return { ok: false, reason: `timed out after ${timeoutMs} ms`, timedOut: true };
    return { ok: false, reason: `network error: ${errorText(error)}`, timedOut: false };
  } finally {
    unlink();
    reader?.releaseLock?.();
  }
}
