import { defineConfig } from 'vitest/config';

// The end-to-end suite runs the bundled dist/index.js as child processes against a sandbox that renders
// real MP4s with ffmpeg: give it room on a loaded 2-core CI machine.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
