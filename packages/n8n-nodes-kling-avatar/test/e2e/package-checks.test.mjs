// The publishing gates, run with the end-to-end suite (so always in CI): `n8n-node lint` in strict mode
// with n8n Cloud's rules, and n8n's community-package scanner over the packed tarball (every .js in it,
// the vendored core included) and over the sources. Skipped locally with KLING_N8N_E2E=0.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const forced = process.env.CI === 'true' || process.env.CI === '1';
const skipped =
  !forced && ['0', 'false', 'skip', 'no'].includes(String(process.env.KLING_N8N_E2E ?? '').toLowerCase());

async function run(command, args) {
  // Without vitest's NODE_ENV=test: eslint-plugin-n8n-nodes-base reads it and then checks file names as
  // in its own test suite, reporting every real node file as misnamed.
  const env = { ...process.env, FORCE_COLOR: '0' };
  delete env.NODE_ENV;
  for (const key of Object.keys(env)) if (key.startsWith('VITEST')) delete env[key];
  const child = spawn(command, args, { cwd: packageRoot, env });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const status = await new Promise((resolve) => child.once('close', resolve));
  return { status, output };
}

describe.skipIf(skipped)('publishing gates', () => {
  it('passes `n8n-node lint` (strict, n8n Cloud profile)', async () => {
    const result = await run(join(packageRoot, 'node_modules', '.bin', 'n8n-node'), ['lint']);
    expect(result.status, result.output).toBe(0);
    expect(result.output).not.toMatch(/\d+ problems?/);
  }, 300_000);

  it("passes n8n's community-package scanner on the packed tarball and the sources", async () => {
    const result = await run(process.execPath, [join(packageRoot, 'scripts', 'scan.mjs')]);
    expect(result.status, result.output).toBe(0);
    expect(result.output).toContain('scan: PASS tarball');
    expect(result.output).toContain('scan: PASS sources');
  }, 600_000);
});
