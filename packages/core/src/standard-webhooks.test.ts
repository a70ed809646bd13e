import { describe, expect, it } from 'vitest';
import {
  generateWebhookSecret,
  signWebhook,
  verifyWebhook,
  WebhookVerificationError,
} from './standard-webhooks.js';

// The official vector from Kling's callback page (API reference §5.1).
const vector = {
  secret: 'whsec_dGVzdHNlY3JldHRlc3RzZWNyZXR0ZXN0c2VjcmV0MTI=',
  id: '9876543210',
  timestampSeconds: 1781080794,
  body: '{"id":"1234567890","status":"succeeded","message":"","create_time":1781080778802,"update_time":1781080794151}',
  signature: 'v1,UsKlJP00XoQyOn410NM9xv34sP+Gl0jnOO9Lcpr7NJ4=',
};

const headersFor = (signature: string, timestamp = vector.timestampSeconds) => ({
  'webhook-id': vector.id,
  'webhook-timestamp': String(timestamp),
  'webhook-signature': signature,
});

function failureReason(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof WebhookVerificationError) return error.reason;
    throw error;
  }
  return undefined;
}

describe('Standard Webhooks', () => {
  it('reproduces the official Kling test vector', () => {
    expect(signWebhook(vector)).toBe(vector.signature);
  });

  it('verifies the vector from raw bytes and from a Headers object', () => {
    const body = new TextEncoder().encode(vector.body);
    expect(
      verifyWebhook({
        secret: vector.secret,
        headers: headersFor(vector.signature),
        body,
        nowSeconds: vector.timestampSeconds,
      }),
    ).toEqual({ id: vector.id, timestampSeconds: vector.timestampSeconds });
    const headers = new Headers(headersFor(vector.signature));
    expect(
      verifyWebhook({
        secret: vector.secret,
        headers,
        body: vector.body,
        nowSeconds: vector.timestampSeconds,
      }).id,
    ).toBe(vector.id);
  });

  it('accepts any of several signatures and any of several secrets (rotation)', () => {
    const other = generateWebhookSecret();
    const header = `v1,AAAA ${vector.signature}`;
    expect(
      verifyWebhook({
        secret: [other, vector.secret],
        headers: headersFor(header),
        body: vector.body,
        nowSeconds: vector.timestampSeconds,
      }).id,
    ).toBe(vector.id);
  });

  it('refuses a changed body, a wrong secret, stale and future timestamps, and missing headers', () => {
    const now = vector.timestampSeconds;
    const base = {
      secret: vector.secret,
      headers: headersFor(vector.signature),
      body: vector.body,
      nowSeconds: now,
    };
    expect(failureReason(() => verifyWebhook({ ...base, body: `${vector.body} ` }))).toBe(
      'no_matching_signature',
    );
    expect(failureReason(() => verifyWebhook({ ...base, secret: generateWebhookSecret() }))).toBe(
      'no_matching_signature',
    );
    expect(failureReason(() => verifyWebhook({ ...base, nowSeconds: now + 301 }))).toBe('timestamp_too_old');
    expect(failureReason(() => verifyWebhook({ ...base, nowSeconds: now - 301 }))).toBe('timestamp_too_new');
    expect(failureReason(() => verifyWebhook({ ...base, nowSeconds: now + 300 }))).toBeUndefined();
    expect(failureReason(() => verifyWebhook({ ...base, headers: { 'webhook-id': vector.id } }))).toBe(
      'missing_headers',
    );
    expect(
      failureReason(() =>
        verifyWebhook({ ...base, headers: { ...headersFor(vector.signature), 'webhook-timestamp': 'soon' } }),
      ),
    ).toBe('timestamp_invalid');
  });

  it('generates secrets that round-trip', () => {
    const secret = generateWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    const signature = signWebhook({ secret, id: 'msg_1', timestampSeconds: 100, body: '{}' });
    expect(
      verifyWebhook({
        secret,
        headers: { 'webhook-id': 'msg_1', 'webhook-timestamp': '100', 'webhook-signature': signature },
        body: '{}',
        nowSeconds: 100,
      }).id,
    ).toBe('msg_1');
  });
});
