import { defineConfig } from 'tsup';

// A deployable service, not a library: one ESM entry (`main`) plus the `app` factory for embedding and
// tests. Dependencies stay external (installed by `pnpm deploy` in the Docker image), so native
// better-sqlite3 is never bundled.
export default defineConfig({
  entry: { main: 'src/main.ts', index: 'src/index.ts' },
  format: ['esm'],
  dts: false,
  sourcemap: true,
  clean: true,
  target: 'node20',
  splitting: false,
});
