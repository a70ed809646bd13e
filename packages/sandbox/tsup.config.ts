import { defineConfig } from 'tsup';

// The library entry and the `kling-avatar-sandbox` command.
// `shims: true` gives the CommonJS build a working `import.meta.url`, which ffmpeg-path.ts needs for
// `createRequire`.
export default defineConfig({
  entry: { index: 'src/index.ts', bin: 'src/bin.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  shims: true,
  target: 'node20',
  splitting: false,
});
