import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { accessKeyAuth, apiKeyAuth } from './auth.js';
import { looksLikeJwt, mintJwt, verifyJwt } from './jwt.js';

const accessKey = 'AK_test_access_key_123';
const secretKey = 'SK_super_secret_value_456';
const decodePart = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));

describe('JWT', () => {
  it('mints HS256 with iss, exp = now + 1800 and nbf = now - 5, verifiable with node:crypto', () => {
    const { token } = mintJwt({ accessKey, secretKey, nowSeconds: 1_000_000 });
    const [header, payload] = token.split('.');
    expect(decodePart(header!)).toEqual({ alg: 'HS256', typ: 'JWT' });
    expect(decodePart(payload!)).toEqual({ iss: accessKey, exp: 1_001_800, nbf: 999_995 });
    expect(looksLikeJwt(token)).toBe(true);
    expect(looksLikeJwt('plain-api-key')).toBe(false);
  });

  it('verifies with Kling codes: 1000 bad signature or unknown iss, 1003 nbf, 1004 exp', () => {
    const { token } = mintJwt({ accessKey, secretKey, nowSeconds: 1_000_000 });
    const secretForAccessKey = (key: string) => (key === accessKey ? secretKey : undefined);
    expect(verifyJwt(token, { secretForAccessKey, nowSeconds: 1_000_000 })).toMatchObject({ ok: true });
    expect(verifyJwt(token, { secretForAccessKey, nowSeconds: 999_994 })).toMatchObject({
      ok: false,
      code: 1003,
    });
    expect(verifyJwt(token, { secretForAccessKey, nowSeconds: 999_995 })).toMatchObject({ ok: true });
    expect(verifyJwt(token, { secretForAccessKey, nowSeconds: 1_001_799 })).toMatchObject({ ok: true });
    expect(verifyJwt(token, { secretForAccessKey, nowSeconds: 1_001_800 })).toMatchObject({
      ok: false,
      code: 1004,
    });
    expect(verifyJwt(token, { secretForAccessKey: () => 'wrong', nowSeconds: 1_000_000 })).toMatchObject({
      code: 1000,
    });
    expect(verifyJwt(token, { secretForAccessKey: () => undefined, nowSeconds: 1_000_000 })).toMatchObject({
      code: 1000,
    });
    const tampered = token.replace(
      /\.[^.]+\./,
      `.${Buffer.from(JSON.stringify({ iss: accessKey, exp: 9e9, nbf: 0 })).toString('base64url')}.`,
    );
    expect(verifyJwt(tampered, { secretForAccessKey, nowSeconds: 1_000_000 })).toMatchObject({ code: 1000 });
    expect(verifyJwt('a.b', { secretForAccessKey, nowSeconds: 1 })).toMatchObject({ code: 1000 });
  });
});

describe('auth providers', () => {
  it('caches the JWT and renews it 5 minutes before expiry', () => {
    const auth = accessKeyAuth({ accessKey, secretKey });
    const t0 = 1_700_000_000_000;
    const first = auth.authorization(t0);
    expect(first).toMatch(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
    expect(auth.authorization(t0 + 1000 * 1000)).toBe(first);
    const renewed = auth.authorization(t0 + 1501 * 1000);
    expect(renewed).not.toBe(first);
    auth.invalidate();
    expect(auth.authorization(t0 + 1502 * 1000)).not.toBe(renewed);
  });

  it('never shows secrets in toString, JSON or inspect', () => {
    for (const auth of [accessKeyAuth({ accessKey, secretKey }), apiKeyAuth('sk-live-abcdefghijkl')]) {
      const shown = [String(auth), JSON.stringify({ auth }), inspect(auth), inspect({ nested: auth })].join(
        ' ',
      );
      expect(shown).not.toContain(secretKey);
      expect(shown).not.toContain(accessKey);
      expect(shown).not.toContain('sk-live-abcdefghijkl');
    }
    expect(apiKeyAuth('sk-live-abcdefghijkl').authorization(0)).toBe('Bearer sk-live-abcdefghijkl');
  });

  it('refuses empty credentials with a clear message', () => {
    expect(() => apiKeyAuth(' ')).toThrow(/apiKey is empty/);
    expect(() => accessKeyAuth({ accessKey: 'a', secretKey: '' })).toThrow(/accessKey and secretKey/);
  });
});
