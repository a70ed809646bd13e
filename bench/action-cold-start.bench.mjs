#!/usr/bin/env node
// GitHub Action cold start: `node apps/github-action/dist/index.js` as the runner starts it, with
// nothing to do (every job already in the lock file, so no request leaves the machine): module
// loading, input parsing, preflight hashing of the media, the cache check, outputs and job summary.
// Target: median of 10 runs under 300 ms. Bare `node -e 0` is measured too, for context on a loaded
// machine (the difference is what the action itself costs).
//
//   node bench/action-cold-start.bench.mjs        (needs built packages and the committed dist/index.js)
//
// Options: --runs 10 --target-ms 300.
import { spawn, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { png, wav } from '@kling-avatar/test-media';
import { startSandbox } from '../packages/sandbox/dist/index.js';

const { values: flags } = parseArgs({
  options: {
    runs: { type: 'string', default: '10' },
    'target-ms': { type: 'string', default: '300' },
  },
});
const RUNS = Number(flags.runs);
const TARGET_MS = Number(flags['target-ms']);
const ENTRY = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  'apps',
  'github-action',
  'dist',
  'index.js',
);

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** One runner-style start; resolves to { ms, code, outputs }. */
async function runAction(workspace, inputs, files) {
  await Promise.all([writeFile(files.output, ''), writeFile(files.summary, '')]);
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    GITHUB_WORKSPACE: workspace,
    GITHUB_EVENT_NAME: 'push',
    GITHUB_EVENT_PATH: files.event,
    GITHUB_REPOSITORY: 'acme/avatars',
    GITHUB_OUTPUT: files.output,
    GITHUB_STEP_SUMMARY: files.summary,
    RUNNER_TEMP: files.folder,
  };
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.toUpperCase()}`] = value;
  const started = performance.now();
  const child = spawn(process.execPath, [ENTRY], { cwd: workspace, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout.on('data', (chunk) => (log += chunk));
  child.stderr.on('data', (chunk) => (log += chunk));
  const code = await new Promise((resolve) => child.on('close', resolve));
  const ms = performance.now() - started;
  const outputs = {};
  for (const match of (await readFile(files.output, 'utf8')).matchAll(
    /^([^<\n]+)<<(.+)\n([\s\S]*?)\n\2$/gm,
  )) {
    outputs[match[1]] = match[3];
  }
  return { ms, code, outputs, log };
}

const workspace = await mkdtemp(join(tmpdir(), 'kling-action-bench-'));
const folder = await mkdtemp(join(tmpdir(), 'kling-action-bench-files-'));
const files = {
  folder,
  output: join(folder, 'output.txt'),
  summary: join(folder, 'summary.md'),
  event: join(folder, 'event.json'),
};
await writeFile(files.event, JSON.stringify({ repository: { full_name: 'acme/avatars' } }));
await mkdir(join(workspace, 'assets'));
await writeFile(join(workspace, 'assets', 'presenter.png'), png(512, 512, [40, 90, 160]));
const jobs = ['welcome', 'intro', 'outro'];
for (const [index, name] of jobs.entries()) {
  await writeFile(
    join(workspace, 'assets', `${name}.wav`),
    wav(2.2 + index * 0.1, { frequency: 300 + index * 50 }),
  );
}
await writeFile(
  join(workspace, 'avatars.yml'),
  `version: 1\njobs:\n${jobs.map((name) => `  - name: ${name}\n    image: assets/presenter.png\n    audio: assets/${name}.wav\n`).join('')}`,
);

const sandbox = await startSandbox({ port: 0, timings: { submittedMs: 50, processingMs: 100 } });
const inputs = {
  manifest: 'avatars.yml',
  'base-url': sandbox.url,
  'api-key': sandbox.credentials.apiKey,
  'poll-interval': '100ms',
  'pr-comment': 'false',
};
try {
  // Render once, so every later run finds all jobs in the lock file.
  const first = await runAction(workspace, inputs, files);
  if (first.code !== 0 || first.outputs.rendered !== String(jobs.length)) {
    console.log(first.log);
    throw new Error(`the warm-up render failed (exit ${first.code}, rendered ${first.outputs.rendered})`);
  }
} finally {
  await sandbox.stop();
}

// The sandbox is gone: a run that tried to reach it would fail, so these runs are provably offline.
const times = [];
for (let run = 0; run < RUNS; run++) {
  const result = await runAction(workspace, inputs, files);
  if (result.code !== 0 || result.outputs.cached !== String(jobs.length)) {
    console.log(result.log);
    throw new Error(`run ${run + 1} was not a pure cache hit (exit ${result.code})`);
  }
  times.push(result.ms);
}
const bare = [];
for (let run = 0; run < RUNS; run++) {
  const started = performance.now();
  spawnSync(process.execPath, ['-e', '0']);
  bare.push(performance.now() - started);
}
await rm(workspace, { recursive: true, force: true });
await rm(folder, { recursive: true, force: true });

const action = median(times);
const node = median(bare);
console.log(`action cold start, nothing to do (${jobs.length} cached jobs), ${RUNS} runs:`);
console.log(
  `  median ${action.toFixed(0)} ms  (min ${Math.min(...times).toFixed(0)}, max ${Math.max(...times).toFixed(0)})`,
);
console.log(
  `  bare \`node -e 0\` median ${node.toFixed(0)} ms (min ${Math.min(...bare).toFixed(0)}) → the action itself adds ${(action - node).toFixed(0)} ms`,
);
console.log(
  `${action < TARGET_MS ? 'PASS' : 'FAIL'}: median ${action.toFixed(0)} ms (target < ${TARGET_MS} ms)`,
);
