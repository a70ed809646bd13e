/**
 * The dependency-free entry: no zod, no timers, no environment, no globals beyond the language. The n8n
 * node inlines this file's build, so it shares every rule with the client instead of copying it.
 */
export * from './base64.js';
export * from './byte-source.js';
export * from './errors.js';
export * from './idempotent-create.js';
export * from './jwt.js';
export * from './limits.js';
export * from './media-audio.js';
export * from './media-check.js';
export * from './media-fetch.js';
export * from './media-image.js';
export * from './retry.js';
export * from './standard-webhooks.js';
export * from './task-record.js';
export * from './types.js';
export * from './validate.js';
export * from './validation-problem.js';
export * from './wait.js';
