import { defineConfig } from 'vitest/config';

// Property-based tests run thousands of cases; a loaded 2-core CI machine needs headroom.
export default defineConfig({
  test: { include: ['src/**/*.test.ts', 'test/**/*.test.ts'], testTimeout: 30_000 },
});
