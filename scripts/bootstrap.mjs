#!/usr/bin/env node
// One entry for the README's commands: on a machine with only Node.js and npm it fetches the pinned
// pnpm (through npm's own cache), installs the workspace from the lockfile, builds it, then runs the
// requested root script. `node scripts/bootstrap.mjs <script> [args…]`.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { packageManager } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const pnpmVersion = packageManager.replace(/^pnpm@/, '');
const [script, ...scriptArgs] = process.argv.slice(2);

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', ...options });
  if (result.error) {
    console.error(`bootstrap: could not run ${command}: ${result.error.message}`);
    process.exit(1);
  }
  if (result.status !== 0) process.exit(result.status ?? 1);
}

function pnpmCommand() {
  const probe = spawnSync('pnpm', ['--version'], { encoding: 'utf8' });
  if (probe.status === 0 && probe.stdout.trim() === pnpmVersion) return ['pnpm', []];
  // npx keeps the package in npm's cache, so only the first run downloads pnpm.
  return ['npm', ['exec', '--yes', `--package=pnpm@${pnpmVersion}`, '--', 'pnpm']];
}

const [pnpm, prefix] = pnpmCommand();
const quiet = process.env.CI ? [] : ['--reporter=append-only'];
run(pnpm, [...prefix, 'install', '--frozen-lockfile', ...quiet]);
run(pnpm, [...prefix, 'run', 'build']);
// pnpm links a workspace package's command only when its file exists, i.e. after the first build.
run(pnpm, [...prefix, 'install', '--frozen-lockfile', '--prefer-offline', '--reporter=silent']);
if (script) run(pnpm, [...prefix, '--silent', 'run', script, ...scriptArgs]);
