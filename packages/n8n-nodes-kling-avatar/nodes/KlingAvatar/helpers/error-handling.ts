import {
  type IDataObject,
  type INode,
  type JsonObject,
  NodeApiError,
  NodeOperationError,
} from 'n8n-workflow';

import {
  KLING_ERROR_CODES,
  KlingAbortError,
  KlingApiError,
  KlingAvatarError,
  KlingNetworkError,
  KlingValidationError,
  parseRetryAfter,
} from './core';

type Loose = Record<string, unknown>;

function asObject(value: unknown): Loose | undefined {
  if (typeof value === 'string') {
    try {
      const parsed: unknown = JSON.parse(value);
      return asObject(parsed);
    } catch {
      return undefined;
    }
  }
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Loose) : undefined;
}

/** The first object along n8n's and axios's error shapes that looks like a Kling error body. */
function findKlingBody(error: Loose): Loose | undefined {
  const cause = asObject(error.cause);
  const candidates: unknown[] = [
    asObject(error.context)?.data,
    asObject(cause?.response)?.data,
    asObject(error.response)?.data,
    asObject(error.response)?.body,
    cause?.error,
    error.error,
    asObject(error.description),
  ];
  for (const candidate of candidates) {
    const body = asObject(candidate);
    if (body && typeof body.code === 'number') return body;
  }
  return undefined;
}

function findStatus(error: Loose): number | undefined {
  const cause = asObject(error.cause);
  const candidates: unknown[] = [
    asObject(cause?.response)?.status,
    asObject(error.response)?.status,
    error.httpCode,
    error.statusCode,
    cause?.status,
    error.status,
  ];
  for (const candidate of candidates) {
    const status = Number(candidate);
    if (Number.isInteger(status) && status >= 100 && status < 600) return status;
  }
  return undefined;
}

function findHeader(error: Loose, name: string): string | undefined {
  const cause = asObject(error.cause);
  for (const response of [asObject(cause?.response), asObject(error.response)]) {
    const headers = asObject(response?.headers);
    const value = headers?.[name];
    if (typeof value === 'string') return value;
  }
  return undefined;
}

/**
 * Turn whatever n8n's HTTP helpers threw into core's typed errors, so retry decisions and messages come
 * from core's one table of Kling codes (1102 "out of credits" and 1303 "slow down" are both HTTP 429).
 */
export function toKlingError(error: unknown, url: string, signal?: AbortSignal): KlingAvatarError {
  if (KlingAvatarError.isInstance(error)) return error;
  if (signal?.aborted) return new KlingAbortError('The request was cancelled.', { cause: error });
  const record = asObject(error) ?? {};
  const body = findKlingBody(record);
  const status = findStatus(record);
  const retryAfterMs = parseRetryAfter(findHeader(record, 'retry-after'), Date.now());
  if (body) {
    return new KlingApiError({
      statusCode: status ?? KLING_ERROR_CODES[body.code as number]?.httpStatus ?? 0,
      code: body.code as number,
      apiMessage: typeof body.message === 'string' ? body.message : 'no message',
      requestId: typeof body.request_id === 'string' ? body.request_id : undefined,
      url,
      retryAfterMs,
    });
  }
  const message = error instanceof Error ? error.message : String(error);
  if (status !== undefined) {
    return new KlingApiError({ statusCode: status, apiMessage: message, url, retryAfterMs });
  }
  const code = typeof record.code === 'string' ? ` (${record.code})` : '';
  return new KlingNetworkError(`Request to ${url} got no answer: ${message}${code}`, {
    url,
    cause: error,
    timedOut: /timeout|ETIMEDOUT|ECONNABORTED/i.test(`${message}${code}`),
  });
}

/** Kling's account codes: HTTP 429 (or 403) that no amount of retrying will fix. */
const ACCOUNT_CODES = new Set([1100, 1101, 1102, 1103, 1304]);

/** Fields for an item's `json` when the node continues on failure. */
export function errorJson(error: unknown): IDataObject {
  if (KlingAvatarError.isInstance(error)) {
    const json: IDataObject = { error: error.message, category: error.category };
    if (error.code !== undefined) json.klingCode = error.code;
    if (error.requestId) json.requestId = error.requestId;
    if (error.taskId) json.taskId = error.taskId;
    if (error.hint) json.hint = error.hint;
    if (error instanceof KlingValidationError)
      json.problems = error.problems.map((problem) => ({ ...problem }));
    return json;
  }
  const json: IDataObject = { error: error instanceof Error ? error.message : String(error) };
  const description = (error as { description?: unknown })?.description;
  if (typeof description === 'string' && description) json.description = description;
  return json;
}

/**
 * n8n errors for the UI: `NodeApiError` for answers from Kling (with its business code, request id and
 * what to do), `NodeOperationError` for everything else, both tied to the item.
 */
export function toNodeError(
  node: INode,
  error: unknown,
  itemIndex: number,
): NodeApiError | NodeOperationError {
  if (error instanceof NodeApiError || error instanceof NodeOperationError) {
    if (error.context.itemIndex === undefined) error.context.itemIndex = itemIndex;
    return error;
  }
  if (error instanceof KlingApiError) {
    const info = error.code === undefined ? undefined : KLING_ERROR_CODES[error.code];
    const what = error.code === undefined ? `HTTP ${error.statusCode}` : `code ${error.code}`;
    const headline =
      error.code !== undefined && ACCOUNT_CODES.has(error.code)
        ? `Kling account problem (${what}): ${info?.hint ?? error.apiMessage}`
        : `Kling ${what}${info ? ` — ${info.meaning}` : ''}: ${error.apiMessage}`;
    const details = [
      error.hint,
      error.taskId ? `Task: ${error.taskId}.` : '',
      error.requestId ? `Kling request id (quote it to Kling support): ${error.requestId}.` : '',
    ]
      .filter(Boolean)
      .join(' ');
    const body: JsonObject = {
      code: error.code ?? null,
      message: error.apiMessage,
      request_id: error.requestId ?? null,
    };
    const nodeError = new NodeApiError(node, body, {
      message: headline,
      description: details,
      httpCode: error.statusCode ? String(error.statusCode) : undefined,
      itemIndex,
    });
    nodeError.context.klingCode = error.code;
    nodeError.context.requestId = error.requestId;
    nodeError.context.hint = error.hint;
    return nodeError;
  }
  if (KlingAvatarError.isInstance(error)) {
    const nodeError = new NodeOperationError(node, error.message, {
      itemIndex,
      description: error.hint,
    });
    if (error.taskId) nodeError.context.taskId = error.taskId;
    return nodeError;
  }
  return new NodeOperationError(node, error as Error, { itemIndex });
}
