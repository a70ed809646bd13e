/** Run the built `kling-avatar` (dist/bin.js) as a child process, as users do. */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const binPath = join(packageDir, 'dist', 'bin.js');
export const examplesDir = join(packageDir, '..', '..', 'examples');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON (for `--json`). */
  json<T = Record<string, unknown>>(): T;
}

/** The environment without any Kling settings from the machine running the tests. */
export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.startsWith('KLING_')) env[key] = value;
  }
  return { ...env, CI: '1', NO_COLOR: '1', ...extra };
}

export function runCli(
  args: string[],
  options: { cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<CliRun> {
  if (!existsSync(binPath))
    throw new Error(`${binPath} is missing: build the package first (pnpm --filter @kling-avatar/cli build)`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [binPath, ...args], {
      cwd: options.cwd ?? packageDir,
      env: options.env ?? cleanEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({
        code,
        stdout,
        stderr,
        json: <T>() => {
          try {
            return JSON.parse(stdout) as T;
          } catch {
            throw new Error(`stdout is not JSON:\n${stdout}\nstderr:\n${stderr}`);
          }
        },
      });
    });
  });
}

/** A Node stack frame (`    at fn (file.js:1:2)`): user errors must never print one. */
export const STACK_FRAME = /^\s+at .+:\d+:\d+\)?$/m;
