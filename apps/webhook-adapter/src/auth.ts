/**
 * API-key authentication for every client endpoint. Keys are compared as SHA-256 digests with
 * `timingSafeEqual` against every configured key (no early exit), so neither the key nor which entry
 * matched leaks through timing.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { ApiKeyEntry } from './config.js';

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** Compare two secrets in constant time (for their digests' length, which is fixed). */
export function secretsEqual(presented: string, expected: string): boolean {
  return timingSafeEqual(digest(presented), digest(expected));
}

export class ApiKeyAuthenticator {
  readonly #entries: { name: string; digest: Buffer }[];

  constructor(keys: readonly ApiKeyEntry[]) {
    this.#entries = keys.map((entry) => ({ name: entry.name, digest: digest(entry.key) }));
  }

  /** The key's name, or undefined. */
  identify(presented: string | undefined): string | undefined {
    if (!presented) return undefined;
    const candidate = digest(presented);
    let match: string | undefined;
    for (const entry of this.#entries) {
      if (timingSafeEqual(candidate, entry.digest) && match === undefined) match = entry.name;
    }
    return match;
  }
}

/**
 * The key a request presents: `Authorization: Bearer <key>`, `X-API-Key: <key>`, or the query-token form
 * `?api_key=<key>` for tools that can only configure a URL.
 */
export function presentedKey(request: FastifyRequest): string | undefined {
  const authorization = request.headers.authorization;
  if (typeof authorization === 'string') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (match) return match[1];
  }
  const header = request.headers['x-api-key'];
  if (typeof header === 'string' && header) return header.trim();
  const query = request.query as Record<string, unknown> | undefined;
  const fromQuery = query?.api_key;
  if (typeof fromQuery === 'string' && fromQuery) return fromQuery;
  return undefined;
}

/** A URL safe to log: the API key query value and callback tokens are replaced. */
export function redactUrl(url: string): string {
  return url
    .replace(/([?&]api_key=)[^&#]*/gi, '$1[redacted]')
    .replace(/(\/v1\/kling\/callbacks\/[^/?#]+\/)[^/?#]+/, '$1[redacted]');
}
