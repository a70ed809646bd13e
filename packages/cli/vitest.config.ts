import { defineConfig } from 'vitest/config';

// End-to-end tests start the sandbox, which encodes real MP4s with ffmpeg, and spawn the built command:
// give them room on a loaded 2-core CI machine. They mostly wait (task lifecycles, child processes), so
// two e2e files run side by side on 2 cores.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    maxWorkers: 2,
  },
});
