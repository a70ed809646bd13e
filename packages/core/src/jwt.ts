/**
 * HS256 JWTs for Kling's access key + secret key scheme (API reference §2): header
 * `{"alg":"HS256","typ":"JWT"}`, claims `iss` = access key, `exp` = now + 1800 s, `nbf` = now − 5 s.
 * Minting and verification share this file so the client and the sandbox agree byte for byte.
 * Portable: only `node:crypto`, which the n8n cloud lint allows.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { decodeBase64, encodeBase64 } from './base64.js';
import { LIMITS } from './limits.js';

export interface JwtClaims {
  iss: string;
  exp: number;
  nbf: number;
  [claim: string]: unknown;
}

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();

function toBase64Url(bytes: Uint8Array): string {
  return encodeBase64(bytes).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
}

function fromBase64Url(text: string): Uint8Array {
  const standard = text.replace(/-/g, '+').replace(/_/g, '/');
  return decodeBase64(standard + '='.repeat((4 - (standard.length % 4)) % 4));
}

function sign(input: string, secretKey: string): string {
  return createHmac('sha256', secretKey).update(input).digest('base64url');
}

/** Mint a token. `nowSeconds` is injectable for tests; defaults come from the limits table. */
export function mintJwt(options: {
  accessKey: string;
  secretKey: string;
  nowSeconds: number;
  lifetimeSeconds?: number;
}): { token: string; claims: JwtClaims } {
  const lifetime = options.lifetimeSeconds ?? LIMITS.jwt.lifetimeSeconds;
  const claims: JwtClaims = {
    iss: options.accessKey,
    exp: options.nowSeconds + lifetime,
    nbf: options.nowSeconds - LIMITS.jwt.notBeforeSkewSeconds,
  };
  const header = toBase64Url(textEncoder.encode(JSON.stringify({ alg: 'HS256', typ: 'JWT' })));
  const payload = toBase64Url(textEncoder.encode(JSON.stringify(claims)));
  const input = `${header}.${payload}`;
  return { token: `${input}.${sign(input, options.secretKey)}`, claims };
}

/** Three dot-separated base64url parts: how the sandbox tells a JWT from an API key (§11). */
export function looksLikeJwt(credential: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(credential);
}

export type JwtVerification =
  | { ok: true; claims: JwtClaims }
  | { ok: false; code: 1000 | 1003 | 1004; reason: string };

/**
 * Verify a token the way Kling does (§11): HS256 only, known `iss`, valid signature, `nbf` reached,
 * `exp` not passed; no leeway, extra claims ignored. Codes are Kling's (1000 / 1003 / 1004).
 */
export function verifyJwt(
  token: string,
  options: { secretForAccessKey: (accessKey: string) => string | undefined; nowSeconds: number },
): JwtVerification {
  const parts = token.split('.');
  if (parts.length !== 3) return { ok: false, code: 1000, reason: 'token is not a JWT' };
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  let header: Record<string, unknown>;
  let claims: JwtClaims;
  try {
    header = JSON.parse(textDecoder.decode(fromBase64Url(headerPart)));
    claims = JSON.parse(textDecoder.decode(fromBase64Url(payloadPart)));
  } catch {
    return { ok: false, code: 1000, reason: 'token parts are not base64url JSON' };
  }
  if (header?.alg !== 'HS256') return { ok: false, code: 1000, reason: 'token algorithm must be HS256' };
  if (typeof claims?.iss !== 'string') return { ok: false, code: 1000, reason: 'token has no iss' };
  const secretKey = options.secretForAccessKey(claims.iss);
  if (secretKey === undefined) return { ok: false, code: 1000, reason: 'unknown access key' };
  const expected = textEncoder.encode(sign(`${headerPart}.${payloadPart}`, secretKey));
  const actual = textEncoder.encode(signaturePart);
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) {
    return { ok: false, code: 1000, reason: 'bad signature' };
  }
  if (typeof claims.nbf === 'number' && options.nowSeconds < claims.nbf) {
    return { ok: false, code: 1003, reason: 'token not yet valid (nbf)' };
  }
  if (typeof claims.exp !== 'number' || options.nowSeconds >= claims.exp) {
    return { ok: false, code: 1004, reason: 'token expired (exp)' };
  }
  return { ok: true, claims };
}
