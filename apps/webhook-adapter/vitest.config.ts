import { defineConfig } from 'vitest/config';

// End-to-end suites start the sandbox (which renders real MP4s with ffmpeg), child adapter processes and
// PostgreSQL schemas: give them room on a loaded 2-core CI machine. Files run in parallel workers, each
// with its own sandbox, SQLite file or PostgreSQL schema.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'zapier/test/**/*.test.mts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    globalSetup: ['test/global-setup.ts'],
    fileParallelism: true,
    maxWorkers: 2,
  },
});
