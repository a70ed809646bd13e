/**
 * Standard Webhooks signing and verification (API reference §5.1; conventions §4). Hand-written on
 * `node:crypto` rather than the `standardwebhooks` package because the n8n node must inline it with no
 * runtime dependencies; the official Kling test vector pins the behaviour.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { decodeBase64, encodeBase64 } from './base64.js';
import { KlingAvatarError } from './errors.js';
import { LIMITS } from './limits.js';

const SECRET_PREFIX = 'whsec_';
const textEncoder = new TextEncoder();

export type WebhookFailureReason =
  | 'missing_headers'
  | 'bad_secret'
  | 'timestamp_invalid'
  | 'timestamp_too_old'
  | 'timestamp_too_new'
  | 'no_matching_signature';

export class WebhookVerificationError extends KlingAvatarError {
  readonly reason: WebhookFailureReason;
  constructor(reason: WebhookFailureReason, message: string) {
    super(message, { category: 'webhook', hint: WEBHOOK_HINTS[reason] });
    this.name = 'WebhookVerificationError';
    this.reason = reason;
  }
}

const WEBHOOK_HINTS: Record<WebhookFailureReason, string> = {
  missing_headers:
    'The request lacks webhook-id, webhook-timestamp or webhook-signature; is the sender signing?',
  bad_secret: 'The secret must be the `whsec_…` value from the console (base64 after the prefix).',
  timestamp_invalid: 'webhook-timestamp must be Unix seconds.',
  timestamp_too_old: "The delivery is older than the tolerance: a replay, or this machine's clock is wrong.",
  timestamp_too_new: "The delivery is from the future: this machine's clock is behind.",
  no_matching_signature:
    'No signature matched: check the secret, and verify the exact raw body bytes (are you passing the raw body, not re-serialised JSON?).',
};

/** A new `whsec_` secret with 24 random bytes. */
export function generateWebhookSecret(): string {
  return SECRET_PREFIX + encodeBase64(new Uint8Array(randomBytes(24)));
}

function secretKeyBytes(secret: string): Uint8Array {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  const key = decodeBase64(encoded);
  if (key.length === 0)
    throw new WebhookVerificationError('bad_secret', 'Webhook secret is empty or not base64.');
  return key;
}

function toBytes(body: string | Uint8Array): Uint8Array {
  return typeof body === 'string' ? textEncoder.encode(body) : body;
}

/** `v1,<base64 HMAC-SHA256>` over `{id}.{timestamp}.{body}`. */
export function signWebhook(options: {
  secret: string;
  id: string;
  timestampSeconds: number;
  body: string | Uint8Array;
}): string {
  const hmac = createHmac('sha256', secretKeyBytes(options.secret));
  hmac.update(`${options.id}.${options.timestampSeconds}.`);
  hmac.update(toBytes(options.body));
  return `v1,${hmac.digest('base64')}`;
}

/** The three headers for an outgoing delivery. */
export function webhookHeaders(options: {
  secret: string;
  id: string;
  timestampSeconds: number;
  body: string | Uint8Array;
}): Record<'webhook-id' | 'webhook-timestamp' | 'webhook-signature', string> {
  return {
    'webhook-id': options.id,
    'webhook-timestamp': String(options.timestampSeconds),
    'webhook-signature': signWebhook(options),
  };
}

type HeaderSource = Record<string, string | string[] | undefined> | { get(name: string): string | null };

function readHeader(headers: HeaderSource, name: string): string | undefined {
  if (typeof (headers as { get?: unknown }).get === 'function') {
    return (headers as { get(name: string): string | null }).get(name) ?? undefined;
  }
  const record = headers as Record<string, string | string[] | undefined>;
  const value = record[name] ?? record[name.toLowerCase()] ?? findCaseInsensitive(record, name);
  return Array.isArray(value) ? value[0] : value;
}

function findCaseInsensitive(record: Record<string, string | string[] | undefined>, name: string) {
  const lower = name.toLowerCase();
  for (const key of Object.keys(record)) if (key.toLowerCase() === lower) return record[key];
  return undefined;
}

/**
 * Verify a delivery over its exact raw body. Accepts one secret or several (key rotation), and any of
 * the space-separated signatures. Throws `WebhookVerificationError` naming the reason; returns the
 * delivery id (the idempotency key) and timestamp on success.
 */
export function verifyWebhook(options: {
  secret: string | readonly string[];
  headers: HeaderSource;
  body: string | Uint8Array;
  nowSeconds: number;
  toleranceSeconds?: number;
}): { id: string; timestampSeconds: number } {
  const id = readHeader(options.headers, 'webhook-id');
  const timestampText = readHeader(options.headers, 'webhook-timestamp');
  const signatureHeader = readHeader(options.headers, 'webhook-signature');
  if (!id || !timestampText || !signatureHeader) {
    throw new WebhookVerificationError('missing_headers', 'Missing Standard Webhooks headers.');
  }
  const timestampSeconds = Number(timestampText);
  if (!/^\d+$/.test(timestampText) || !Number.isSafeInteger(timestampSeconds)) {
    throw new WebhookVerificationError(
      'timestamp_invalid',
      `webhook-timestamp "${timestampText}" is not Unix seconds.`,
    );
  }
  const tolerance = options.toleranceSeconds ?? LIMITS.webhookToleranceSeconds;
  if (timestampSeconds < options.nowSeconds - tolerance) {
    throw new WebhookVerificationError(
      'timestamp_too_old',
      `webhook-timestamp is more than ${tolerance}s old.`,
    );
  }
  if (timestampSeconds > options.nowSeconds + tolerance) {
    throw new WebhookVerificationError(
      'timestamp_too_new',
      `webhook-timestamp is more than ${tolerance}s ahead.`,
    );
  }
  const secrets = typeof options.secret === 'string' ? [options.secret] : options.secret;
  const offered = signatureHeader
    .split(' ')
    .filter((entry) => entry.startsWith('v1,'))
    .map((entry) => textEncoder.encode(entry.slice(3)));
  for (const secret of secrets) {
    const expected = textEncoder.encode(
      signWebhook({ secret, id, timestampSeconds, body: options.body }).slice(3),
    );
    for (const candidate of offered) {
      if (candidate.length === expected.length && timingSafeEqual(candidate, expected)) {
        return { id, timestampSeconds };
      }
    }
  }
  throw new WebhookVerificationError('no_matching_signature', 'webhook-signature does not match the body.');
}
