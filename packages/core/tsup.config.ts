import { defineConfig } from 'tsup';

// Three entries: the full client (zod schemas included), the dependency-free "portable" subset that the
// n8n node inlines (no zod, no timers, no globals), and Node-only helpers (file paths, streams).
export default defineConfig({
  entry: { index: 'src/index.ts', portable: 'src/portable.ts', node: 'src/node.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  splitting: false,
});
