/**
 * Credentials behind one interface: a plain API key, or an access key + secret key pair that mints
 * HS256 JWTs, caches them and renews them a few minutes before they expire. Secrets live in private
 * fields and never appear in errors, logs, `toString()`, `JSON.stringify` or `util.inspect`.
 */
import { mintJwt } from './jwt.js';

export interface KlingAuth {
  /** The `Authorization` header value. */
  authorization(nowMs: number): string;
  /** Drop any cached token (called after Kling answers 1003/1004) so the next call mints afresh. */
  invalidate(): void;
  /** A safe description for logs. */
  describe(): string;
}

const inspectSymbol = Symbol.for('nodejs.util.inspect.custom');

/** Mask all but the last four characters: `sk-…abcd`. */
export function redact(secret: string): string {
  if (secret.length <= 8) return '****';
  return `****${secret.slice(-4)}`;
}

abstract class RedactedAuth implements KlingAuth {
  abstract authorization(nowMs: number): string;
  abstract invalidate(): void;
  abstract describe(): string;
  toString(): string {
    return this.describe();
  }
  toJSON(): string {
    return this.describe();
  }
  [inspectSymbol](): string {
    return this.describe();
  }
}

class ApiKeyAuth extends RedactedAuth {
  readonly #apiKey: string;
  constructor(apiKey: string) {
    super();
    this.#apiKey = apiKey;
  }
  authorization(): string {
    return `Bearer ${this.#apiKey}`;
  }
  invalidate(): void {}
  describe(): string {
    return `ApiKeyAuth(${redact(this.#apiKey)})`;
  }
}

class AccessKeyAuth extends RedactedAuth {
  readonly #accessKey: string;
  readonly #secretKey: string;
  readonly #renewBeforeSeconds: number;
  readonly #lifetimeSeconds?: number;
  #cached?: { token: string; expiresAtSeconds: number };

  constructor(options: AccessKeyAuthOptions) {
    super();
    this.#accessKey = options.accessKey;
    this.#secretKey = options.secretKey;
    this.#renewBeforeSeconds = options.renewBeforeSeconds ?? 300;
    this.#lifetimeSeconds = options.lifetimeSeconds;
  }

  authorization(nowMs: number): string {
    const nowSeconds = Math.floor(nowMs / 1000);
    if (!this.#cached || nowSeconds >= this.#cached.expiresAtSeconds - this.#renewBeforeSeconds) {
      const { token, claims } = mintJwt({
        accessKey: this.#accessKey,
        secretKey: this.#secretKey,
        nowSeconds,
        lifetimeSeconds: this.#lifetimeSeconds,
      });
      this.#cached = { token, expiresAtSeconds: claims.exp };
    }
    return `Bearer ${this.#cached.token}`;
  }

  invalidate(): void {
    this.#cached = undefined;
  }

  describe(): string {
    return `AccessKeyAuth(accessKey=${redact(this.#accessKey)})`;
  }
}

export interface AccessKeyAuthOptions {
  accessKey: string;
  secretKey: string;
  /** Mint a new token this many seconds before the old one expires. Default 300. */
  renewBeforeSeconds?: number;
  /** Token lifetime; default 1800 s from the limits table. */
  lifetimeSeconds?: number;
}

export function apiKeyAuth(apiKey: string): KlingAuth {
  if (!apiKey.trim()) throw new TypeError('apiKey is empty: pass the API key from the Kling console.');
  return new ApiKeyAuth(apiKey.trim());
}

export function accessKeyAuth(options: AccessKeyAuthOptions): KlingAuth {
  if (!options.accessKey?.trim() || !options.secretKey?.trim()) {
    throw new TypeError('accessKey and secretKey are both required for JWT authentication.');
  }
  return new AccessKeyAuth({
    ...options,
    accessKey: options.accessKey.trim(),
    secretKey: options.secretKey.trim(),
  });
}
