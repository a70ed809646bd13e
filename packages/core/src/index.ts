/** `@kling-avatar/core`: everything in the portable entry plus zod schemas, auth and the client. */
export * from './auth.js';
export * from './callbacks.js';
export * from './client.js';
export * from './portable.js';
export * from './schemas.js';
