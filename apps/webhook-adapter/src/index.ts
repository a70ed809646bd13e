/** Library entry: embed the adapter or build it in tests. The service itself starts from `main.ts`. */
export { type Adapter, type AdapterDependencies, createAdapter } from './app.js';
export { type AdapterConfig, ConfigError, loadConfig, parseDuration } from './config.js';
export * from './model.js';
export { isPublicAddress, OutboundBlockedError, OutboundPolicy } from './outbound.js';
export * from './storage/index.js';
export type { KlingGateway } from './task-sync.js';
