import type { IDataObject, IHttpRequestMethods, IHttpRequestOptions } from 'n8n-workflow';

import {
  BASE_URLS,
  DEFAULT_RETRY_POLICY,
  KlingApiError,
  type RetryPolicy,
  retryClassOf,
  retryDelayFor,
} from '../helpers/core';
import { toKlingError } from '../helpers/error-handling';
import { CREDENTIAL_TYPE, type KlingContext } from '../helpers/interfaces';
import { sleepFor } from '../helpers/polling';

/** Per-request time limit: a create uploads up to ~15 MB of base64. */
export const REQUEST_TIMEOUT_MS = 60_000;

/** The API base URL from the credential's region (or custom URL), without a trailing slash. */
export function baseUrlOf(credentials: IDataObject): string {
  if (credentials.region === 'custom') {
    const custom = String(credentials.baseUrl ?? '')
      .trim()
      .replace(/\/+$/, '');
    if (custom) return custom;
  }
  return credentials.region === 'beijing' ? BASE_URLS.beijing : BASE_URLS.singapore;
}

const baseUrls = new WeakMap<object, Promise<string>>();

/** Read the credential once per execution context (it is decrypted on every `getCredentials`). */
async function baseUrlFor(context: KlingContext): Promise<string> {
  let baseUrl = baseUrls.get(context);
  if (!baseUrl) {
    baseUrl = context.getCredentials(CREDENTIAL_TYPE).then((credentials) => baseUrlOf(credentials));
    baseUrls.set(context, baseUrl);
  }
  return await baseUrl;
}

export interface ApiRequestOptions {
  body?: IDataObject;
  qs?: IDataObject;
  /** Stops retries and waits between them (n8n itself aborts in-flight requests on cancel). */
  signal?: AbortSignal;
  /**
   * `safe` (default): retry what cannot charge twice — queries, and transient errors by Kling's code.
   * `none`: the caller decides (creates recover by looking the task up by its external id).
   */
  retries?: 'safe' | 'none';
  retryPolicy?: RetryPolicy;
}

interface KlingEnvelope {
  code?: unknown;
  message?: unknown;
  request_id?: unknown;
  data?: unknown;
}

/**
 * One Kling call through the credential (`httpRequestWithAuthentication`, so n8n adds the Bearer header,
 * mints and renews the JWT via preAuthentication, and aborts the request when the execution is cancelled).
 * Returns the envelope's `data`; a non-zero business code, even with HTTP 200, becomes core's
 * `KlingApiError`. Retries follow core's retry classes and backoff.
 */
export async function apiRequest<T = unknown>(
  this: KlingContext,
  method: IHttpRequestMethods,
  endpoint: string,
  options: ApiRequestOptions = {},
): Promise<T> {
  const baseUrl = await baseUrlFor(this);
  const url = `${baseUrl}${endpoint}`;
  const request: IHttpRequestOptions = {
    method,
    url,
    json: true,
    timeout: REQUEST_TIMEOUT_MS,
    headers: { Accept: 'application/json' },
  };
  if (options.body !== undefined) request.body = options.body;
  if (options.qs !== undefined) request.qs = options.qs;
  const policy = options.retryPolicy ?? DEFAULT_RETRY_POLICY;

  for (let attempt = 1; ; attempt++) {
    try {
      const envelope = (await this.helpers.httpRequestWithAuthentication.call(
        this,
        CREDENTIAL_TYPE,
        request,
      )) as KlingEnvelope;
      if (!envelope || typeof envelope !== 'object' || typeof envelope.code !== 'number') {
        throw new KlingApiError({
          statusCode: 200,
          apiMessage: `unexpected answer from ${url}: ${JSON.stringify(envelope).slice(0, 200)}`,
          url,
        });
      }
      if (envelope.code !== 0) {
        throw new KlingApiError({
          statusCode: 200,
          code: envelope.code,
          apiMessage: String(envelope.message ?? ''),
          requestId: typeof envelope.request_id === 'string' ? envelope.request_id : undefined,
          url,
        });
      }
      return envelope.data as T;
    } catch (caught) {
      const error = toKlingError(caught, url, options.signal);
      if (options.retries === 'none' || options.signal?.aborted) throw error;
      const retryClass = retryClassOf(error);
      const transient =
        retryClass === 'backoff' || retryClass === 'backoff-check-first' || retryClass === 'network';
      if (!transient || attempt > policy.maxRetries) throw error;
      await sleepFor(retryDelay(error, attempt, policy), options.signal);
    }
  }
}

/** Core's jittered backoff, stretched to Kling's `Retry-After` when it sent one. */
export function retryDelay(
  error: unknown,
  attempt: number,
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
): number {
  return retryDelayFor(error, attempt, policy);
}
