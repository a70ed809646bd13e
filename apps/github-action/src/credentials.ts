/**
 * Kling credentials for the run, masked in the log before anything can print them: the inputs
 * themselves (GitHub masks `secrets.*` but not values derived from them or typed in plainly) and every
 * JWT minted from an access key + secret key pair, including the renewals of a long run.
 */
import { accessKeyAuth, apiKeyAuth, type KlingAuth } from '@kling-avatar/core';
import type { Credentials } from './inputs.js';

export type MaskSecret = (secret: string) => void;

/** Masks the raw credentials and returns an auth provider that masks each token it mints. */
export function createMaskedAuth(
  credentials: Credentials,
  maskSecret: MaskSecret,
  now: () => number = Date.now,
): KlingAuth {
  if ('apiKey' in credentials) {
    maskSecret(credentials.apiKey);
    return apiKeyAuth(credentials.apiKey);
  }
  maskSecret(credentials.accessKey);
  maskSecret(credentials.secretKey);
  const inner = accessKeyAuth(credentials);
  let lastToken: string | undefined;
  const masked: KlingAuth = {
    authorization(nowMs: number): string {
      const header = inner.authorization(nowMs);
      const token = header.replace(/^Bearer\s+/i, '');
      if (token !== lastToken) {
        maskSecret(token);
        lastToken = token;
      }
      return header;
    },
    invalidate: () => inner.invalidate(),
    describe: () => inner.describe(),
  };
  // Mint now: the token is masked before any request (or debug log) exists, and a malformed key pair
  // fails here rather than halfway through a batch.
  masked.authorization(now());
  return masked;
}
