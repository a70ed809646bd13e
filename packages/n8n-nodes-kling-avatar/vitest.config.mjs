import { defineConfig } from 'vitest/config';

// Unit tests run the TypeScript sources (core comes from vendor/, written by `pnpm run vendor:types`).
// The end-to-end suite installs and drives a real n8n; it has its own long timeouts.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.mjs'],
    testTimeout: 20_000,
    pool: 'forks',
  },
});
