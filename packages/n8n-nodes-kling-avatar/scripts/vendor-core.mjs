#!/usr/bin/env node
// Inlines @kling-avatar/core's dependency-free "portable" build into this package, so the node reuses
// core's rules (limits, validation, media inspection, errors, JWT, Standard Webhooks, waiting) while the
// published package keeps zero runtime dependencies. `n8n-node build` is plain tsc without bundling,
// so the node imports the vendored file by a relative path that is the same from the sources and from
// dist/: `nodes/KlingAvatar/helpers/core.ts` → `../../../vendor/kling-avatar-core` resolves to
// `<package>/vendor/…` while type-checking and testing, and to `dist/vendor/…` once compiled.
//
//   node scripts/vendor-core.mjs types   vendor/kling-avatar-core.{js,d.ts} for tsc, lint and vitest
//   node scripts/vendor-core.mjs code    dist/vendor/kling-avatar-core.js after `n8n-node build`
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(packageRoot, 'package.json'));
const corePackageJson = require.resolve('@kling-avatar/core/package.json');
const coreRoot = dirname(corePackageJson);
const coreVersion = JSON.parse(readFileSync(corePackageJson, 'utf8')).version;
const coreDist = join(coreRoot, 'dist');
const NAME = 'kling-avatar-core';

function fail(message) {
  console.error(`vendor-core: ${message}`);
  process.exit(1);
}

function requireBuilt(file) {
  const path = join(coreDist, file);
  if (!existsSync(path)) {
    fail(
      `${path} is missing: build core first (\`pnpm --filter @kling-avatar/core build\`, or \`turbo run build\`).`,
    );
  }
  return path;
}

const banner = [
  `// Vendored from @kling-avatar/core@${coreVersion} (dist/portable.cjs) by scripts/vendor-core.mjs.`,
  '// Generated at build time: do not edit. The rules live in packages/core/src.',
  '',
].join('\n');

/** The CJS build with a banner and without its source-map comment (the map is not shipped). */
function vendoredCode() {
  const source = readFileSync(requireBuilt('portable.cjs'), 'utf8');
  return banner + source.replace(/\n\/\/# sourceMappingURL=.*\s*$/, '\n');
}

function writeCode(directory) {
  mkdirSync(directory, { recursive: true });
  writeFileSync(join(directory, `${NAME}.js`), vendoredCode());
}

/**
 * tsup rolls the declarations into `portable.d.cts` plus shared chunks (`wait-<hash>.d.cts`) imported
 * as `./wait-<hash>.cjs`. Copy them all as `.d.ts` with the specifiers rewritten, so any TypeScript
 * module resolution finds them.
 */
function writeTypes(directory) {
  rmSync(join(directory, 'types'), { recursive: true, force: true });
  mkdirSync(join(directory, 'types'), { recursive: true });
  const seen = new Set();
  const rewrite = (text, prefix) =>
    text.replace(/(from\s+['"])\.\/([\w.-]+)\.cjs(['"])/g, (_match, open, chunk, close) => {
      queue.push(chunk);
      return `${open}${prefix}${chunk}${close}`;
    });
  const queue = [];
  const entry = readFileSync(requireBuilt('portable.d.cts'), 'utf8');
  writeFileSync(join(directory, `${NAME}.d.ts`), banner + rewrite(entry, './types/'));
  while (queue.length > 0) {
    const chunk = queue.shift();
    if (seen.has(chunk)) continue;
    seen.add(chunk);
    const text = readFileSync(requireBuilt(`${chunk}.d.cts`), 'utf8');
    writeFileSync(join(directory, 'types', `${chunk}.d.ts`), banner + rewrite(text, './'));
  }
}

const mode = process.argv[2];
if (mode === 'types') {
  const vendorDirectory = join(packageRoot, 'vendor');
  writeTypes(vendorDirectory);
  // The JavaScript beside the declarations lets vitest run the TypeScript sources unbuilt.
  writeCode(vendorDirectory);
} else if (mode === 'code') {
  if (!existsSync(join(packageRoot, 'dist'))) fail('dist/ is missing: run `n8n-node build` first.');
  writeCode(join(packageRoot, 'dist', 'vendor'));
  // Keep the published copy in step with the one tsc and the tests saw.
  copyFileSync(join(packageRoot, 'dist', 'vendor', `${NAME}.js`), join(packageRoot, 'vendor', `${NAME}.js`));
} else {
  fail('usage: node scripts/vendor-core.mjs types|code');
}
