/**
 * The committed dist/index.js must be exactly what `pnpm bundle` produces from the current sources
 * (the runner executes the committed file, there is no build step), and must be self-contained: the
 * action's ref holds no node_modules, so any bare import left in the bundle would fail at runtime.
 */

import { readFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { describe, expect, it } from 'vitest';
import { checkDist, DIST_FILE } from '../scripts/bundle.mjs';

describe('dist/index.js', () => {
  it('is up to date with the sources (rebuilt into a temp folder, compared byte for byte)', async () => {
    const { fresh, committed, upToDate } = await checkDist();
    expect(
      committed,
      'dist/index.js is missing: run `pnpm --filter @kling-avatar/github-action bundle`',
    ).toBeDefined();
    expect(
      upToDate,
      `dist/index.js is stale (${committed?.length} bytes committed, ${fresh.length} fresh): run \`pnpm --filter @kling-avatar/github-action bundle\` and commit dist/index.js`,
    ).toBe(true);
  });

  it('imports nothing but Node built-ins (the sandbox and ffmpeg stay out)', async () => {
    const text = await readFile(DIST_FILE, 'utf8');
    const specifiers = new Set<string>();
    // Static imports (statement starts only: "from" also appears inside strings), dynamic imports, requires.
    const patterns = [
      /(?:^|[;\n}])\s*import\s*(?:[\w$*{}\s,]+?\s*from\s*)?["']([^"']+)["']/g,
      /\bimport\(\s*["']([^"']+)["']\s*\)/g,
      /\brequire\(\s*["']([^"']+)["']\s*\)/g,
    ];
    for (const pattern of patterns) {
      for (const match of text.matchAll(pattern)) specifiers.add(match[1]!);
    }
    expect(specifiers.size).toBeGreaterThan(5);
    const builtins = new Set(builtinModules);
    const foreign = [...specifiers].filter((name) => !name.startsWith('node:') && !builtins.has(name));
    expect(foreign).toEqual([]);
    expect(text).not.toContain('@kling-avatar/sandbox');
    expect(text).not.toContain('@ffmpeg-installer');
  });

  it('is one ESM file with the createRequire banner, ASCII only', async () => {
    const bytes = await readFile(DIST_FILE);
    const text = bytes.toString('utf8');
    expect(text.split('\n').slice(0, 3).join('\n')).toMatch(
      /import \{ createRequire as __actionCreateRequire \} from 'node:module';\nconst require = __actionCreateRequire\(import\.meta\.url\);/,
    );
    expect(bytes.every((byte) => byte < 0x80)).toBe(true);
  });
});
