import { defineConfig } from 'tsup';

// Two builds: the library entry (the batch engine the GitHub Action reuses, with types) and the
// `kling-avatar` command, which gets the shebang banner. ESM only: p-limit and the toolkit the Action
// bundles with are ESM-only, and Node >= 20.19 can `require()` ESM anyway.
export default defineConfig([
  {
    entry: { index: 'src/index.ts' },
    format: ['esm'],
    dts: true,
    sourcemap: true,
    // Both builds run at once: the library build cleans dist/ but leaves the command's files alone.
    clean: ['!bin.*'],
    target: 'node20',
    splitting: false,
  },
  {
    entry: { bin: 'src/bin.ts' },
    format: ['esm'],
    dts: false,
    sourcemap: true,
    clean: false,
    target: 'node20',
    splitting: false,
    banner: { js: '#!/usr/bin/env node' },
  },
]);
