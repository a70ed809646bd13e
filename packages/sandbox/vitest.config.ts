import { defineConfig } from 'vitest/config';

// Render tests spawn ffmpeg and encode real MP4s: give them room on a loaded 2-core CI machine.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
