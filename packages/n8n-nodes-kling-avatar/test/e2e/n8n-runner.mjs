// Drives a real n8n (installed by n8n-install.mjs) headless: CLI commands (import, publish, execute)
// and a running `n8n start` for webhooks. Every run gets its own user folder, ports and file root.
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

/**
 * `count` distinct free loopback ports. All are held open until every one is known, so two calls can
 * never hand out the same port (n8n's HTTP port and its task-runner broker port must differ).
 */
export async function freePorts(count) {
  const servers = [];
  try {
    for (let index = 0; index < count; index++) {
      const server = createServer();
      servers.push(server);
      await new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', resolve);
      });
    }
    return servers.map((server) => server.address().port);
  } finally {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  }
}

/**
 * The environment for one n8n instance: telemetry, version checks, templates and personalisation off
 * (toolchain.md), our package loaded through N8N_CUSTOM_EXTENSIONS, binary data in filesystem mode (the
 * mode where reading `item.binary[…].data` directly breaks), file access limited to the test's folder.
 */
export function n8nEnvironment({ paths, userFolder, extensionsDirectory, fileRoot, port, brokerPort }) {
  // Nothing of the test runner's own environment leaks in: vitest sets NODE_ENV=test, which makes n8n
  // behave as in its own unit tests (it refuses to load nodes), and n8n settings must come from here only.
  const env = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (
      !/^(N8N_|DB_|WEBHOOK_URL$|EXECUTIONS_|GENERIC_TIMEZONE$|NODE_OPTIONS$|NODE_ENV$|VITEST|TEST$)/.test(key)
    ) {
      env[key] = value;
    }
  }
  return Object.assign(env, {
    PATH: `${paths.nodeBin}:${process.env.PATH ?? ''}`,
    N8N_USER_FOLDER: userFolder,
    N8N_CUSTOM_EXTENSIONS: extensionsDirectory,
    N8N_ENCRYPTION_KEY: 'kling-avatar-kit-e2e-encryption-key',
    N8N_LOG_LEVEL: 'info',
    N8N_DIAGNOSTICS_ENABLED: 'false',
    N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
    N8N_TEMPLATES_ENABLED: 'false',
    N8N_PERSONALIZATION_ENABLED: 'false',
    N8N_HIRING_BANNER_ENABLED: 'false',
    // Its refresh task calls api.n8n.io, which this network cannot reach.
    N8N_DISABLED_MODULES: 'mcp-registry',
    N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'false',
    N8N_SECURE_COOKIE: 'false',
    N8N_SSRF_PROTECTION_ENABLED: 'false',
    N8N_DEFAULT_BINARY_DATA_MODE: 'filesystem',
    N8N_RESTRICT_FILE_ACCESS_TO: fileRoot,
    N8N_LISTEN_ADDRESS: '127.0.0.1',
    N8N_HOST: '127.0.0.1',
    N8N_PROTOCOL: 'http',
    N8N_PORT: String(port),
    WEBHOOK_URL: `http://127.0.0.1:${port}/`,
    N8N_RUNNERS_BROKER_PORT: String(brokerPort),
    N8N_GRACEFUL_SHUTDOWN_TIMEOUT: '5',
    GENERIC_TIMEZONE: 'UTC',
  });
}

/**
 * One n8n CLI command; resolves with its exit status and output. Asynchronous on purpose: the sandbox
 * runs in this process, and a blocking spawn would stop it from answering n8n's requests.
 */
export async function runN8n(paths, args, env, timeoutMs = 5 * 60_000) {
  const started = Date.now();
  const child = spawn(paths.node, [paths.n8n, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const stdout = [];
  const stderr = [];
  child.stdout.on('data', (chunk) => stdout.push(chunk));
  child.stderr.on('data', (chunk) => stderr.push(chunk));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, timeoutMs);
  const [status, signal] = await new Promise((resolve) =>
    child.once('close', (code, sig) => resolve([code, sig])),
  );
  clearTimeout(timer);
  return {
    status: timedOut ? null : status,
    signal,
    timedOut,
    stdout: Buffer.concat(stdout).toString('utf8'),
    stderr: Buffer.concat(stderr).toString('utf8'),
    seconds: (Date.now() - started) / 1000,
  };
}

/** `n8n execute --rawOutput` prints log lines first: the JSON starts at the first line beginning with `{`. */
export function parseExecuteOutput(stdout) {
  const lines = stdout.split('\n');
  const start = lines.findIndex((line) => line.startsWith('{'));
  if (start < 0) throw new Error(`n8n printed no JSON result:\n${stdout.slice(-4000)}`);
  return JSON.parse(lines.slice(start).join('\n'));
}

/** `n8n start` in the background; resolves once /healthz answers. */
export async function startN8n(paths, env, logDirectory) {
  mkdirSync(logDirectory, { recursive: true });
  const logPath = join(logDirectory, 'n8n-start.log');
  const log = createWriteStream(logPath);
  const child = spawn(paths.node, [paths.n8n, 'start'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  const url = `http://127.0.0.1:${env.N8N_PORT}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (exited) throw new Error(`n8n start exited early; see ${logPath}`);
    try {
      const response = await fetch(`${url}/healthz`);
      if (response.ok) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline)
      throw new Error(`n8n start did not answer /healthz within 120 s; see ${logPath}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return {
    url,
    logPath,
    async stop() {
      if (exited) return;
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await gone;
      clearTimeout(timer);
      log.end();
    },
  };
}
