/**
 * Reading Kling's callbacks (API reference §5): verify the Standard Webhooks signature over the raw
 * bytes first (when a secret is set), then parse the legacy-dialect body into a typed task record.
 * A callback body is a hint, not the truth: receivers should re-read the task before acting on it.
 */
import { KlingAvatarError } from './errors.js';
import { callbackBodySchema } from './schemas.js';
import { verifyWebhook } from './standard-webhooks.js';
import { asTaskRecord } from './task-record.js';
import type { TaskRecord } from './types.js';

const textDecoder = new TextDecoder();

/** Parse a callback body (raw bytes, text or already-parsed JSON) into a task record. */
export function parseCallbackBody(body: string | Uint8Array | unknown): TaskRecord {
  let value: unknown = body;
  if (typeof body === 'string' || body instanceof Uint8Array) {
    const text = typeof body === 'string' ? body : textDecoder.decode(body);
    try {
      value = JSON.parse(text);
    } catch {
      throw new KlingAvatarError('Callback body is not JSON.', { category: 'webhook' });
    }
  }
  const parsed = callbackBodySchema.safeParse(value);
  const record = parsed.success ? asTaskRecord(parsed.data) : undefined;
  if (!record) {
    throw new KlingAvatarError(
      'Callback body is not a Kling task record (needs task_id and task_status submitted|processing|succeed|failed).',
      { category: 'webhook' },
    );
  }
  return record;
}

export interface ReceivedCallback {
  task: TaskRecord;
  /** `webhook-id` when signed: the idempotency key for de-duplication. */
  deliveryId?: string;
  signed: boolean;
}

/**
 * Verify (when `secret` is given) and parse one callback delivery. Pass the exact raw body bytes as
 * received — re-serialised JSON will not verify.
 */
export function receiveCallback(options: {
  rawBody: string | Uint8Array;
  headers: Parameters<typeof verifyWebhook>[0]['headers'];
  secret?: string | readonly string[];
  nowSeconds: number;
  toleranceSeconds?: number;
}): ReceivedCallback {
  if (options.secret && (typeof options.secret === 'string' || options.secret.length > 0)) {
    const { id } = verifyWebhook({
      secret: options.secret,
      headers: options.headers,
      body: options.rawBody,
      nowSeconds: options.nowSeconds,
      toleranceSeconds: options.toleranceSeconds,
    });
    return { task: parseCallbackBody(options.rawBody), deliveryId: id, signed: true };
  }
  return { task: parseCallbackBody(options.rawBody), signed: false };
}
