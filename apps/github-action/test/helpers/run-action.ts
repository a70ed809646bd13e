/**
 * Runs the bundled dist/index.js the way the GitHub runner does: a `node` child process with the
 * inputs as `INPUT_<NAME>` variables (upper-cased, spaces → `_`, hyphens kept: `INPUT_API-KEY`),
 * action.yml defaults filled in for inputs not given, and `GITHUB_OUTPUT` / `GITHUB_STEP_SUMMARY`
 * files plus the event payload file. The parent's `GITHUB_*`/`INPUT_*` variables are NOT inherited
 * (under CI they would point at the real runner's files).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export const APP_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DIST_ENTRY = join(APP_DIR, 'dist', 'index.js');

export interface ActionRun {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
  durationMs: number;
}

export interface RunActionOptions {
  workspace: string;
  inputs: Record<string, string>;
  eventName: string;
  payload: unknown;
  /** Extra environment (`GITHUB_API_URL`, `GITHUB_REPOSITORY`…). */
  env?: Record<string, string>;
  /** Replaces `${{ github.token }}` in action.yml defaults. */
  githubToken?: string;
  entry?: string;
  /** Called with the stdout so far on every chunk (e.g. to send a signal once a task exists). */
  onStdout?: (stdout: string, child: ChildProcess) => void;
}

interface ActionYaml {
  inputs: Record<string, { default?: string }>;
}

let actionYaml: ActionYaml | undefined;

export async function loadActionYaml(): Promise<ActionYaml> {
  actionYaml ??= parse(await readFile(join(APP_DIR, 'action.yml'), 'utf8')) as ActionYaml;
  return actionYaml;
}

/** `api-key` → `INPUT_API-KEY`, exactly as the runner names it. */
export function inputVariable(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

export async function runAction(options: RunActionOptions): Promise<ActionRun> {
  const files = await mkdtemp(join(tmpdir(), 'kling-action-run-'));
  const outputFile = join(files, 'output.txt');
  const summaryFile = join(files, 'summary.md');
  const eventFile = join(files, 'event.json');
  await Promise.all([
    writeFile(outputFile, ''),
    writeFile(summaryFile, ''),
    writeFile(eventFile, JSON.stringify(options.payload)),
  ]);

  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? files,
    TMPDIR: tmpdir(),
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    RUNNER_TEMP: files,
    GITHUB_WORKSPACE: options.workspace,
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    GITHUB_EVENT_NAME: options.eventName,
    GITHUB_EVENT_PATH: eventFile,
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_RUN_ID: '4242',
    GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
    ...options.env,
  };
  const { inputs: declared } = await loadActionYaml();
  for (const [name, spec] of Object.entries(declared)) {
    if (spec.default === undefined) continue;
    env[inputVariable(name)] = String(spec.default).replace(
      `\${{ github.token }}`,
      options.githubToken ?? '',
    );
  }
  for (const [name, value] of Object.entries(options.inputs)) {
    if (!(name in declared))
      throw new Error(`test passes input "${name}", which action.yml does not declare`);
    env[inputVariable(name)] = value;
  }

  const started = Date.now();
  const child = spawn(process.execPath, [options.entry ?? DIST_ENTRY], { cwd: options.workspace, env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    options.onStdout?.(stdout, child);
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exitCode = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  return {
    exitCode,
    stdout,
    stderr,
    outputs: parseOutputFile(await readFile(outputFile, 'utf8')),
    summary: await readFile(summaryFile, 'utf8'),
    durationMs: Date.now() - started,
  };
}

/** `name<<delimiter\nvalue\ndelimiter` blocks, as @actions/core writes them. */
export function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  for (let index = 0; index < lines.length; index++) {
    const match = /^([^<=]+)<<(.+)$/.exec(lines[index]!);
    if (!match) continue;
    const [, name, delimiter] = match;
    const value: string[] = [];
    for (index++; index < lines.length && lines[index] !== delimiter; index++) value.push(lines[index]!);
    outputs[name!] = value.join('\n');
  }
  return outputs;
}
