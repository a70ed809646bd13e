#!/usr/bin/env node
/**
 * Service entry: configuration from the environment (validated, all problems at once), then listen,
 * run the delivery worker and reconciler, and shut down gracefully on SIGTERM/SIGINT.
 */
import { createAdapter } from './app.js';
import { ConfigError, describeConfig, loadConfig } from './config.js';

async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(
        `kling-avatar-webhook-adapter: ${error.message}\nSee apps/webhook-adapter/README.md for every setting.\n`,
      );
      process.exit(2);
    }
    throw error;
  }
  const adapter = await createAdapter(config);
  const log = adapter.app.log;
  log.info({ config: describeConfig(config) }, 'starting');
  const address = await adapter.start();
  log.info({ address, storage: adapter.storage.kind, replica: config.replicaId }, 'listening');

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      log.error('shutdown took too long; exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs + 15_000);
    force.unref();
    adapter.close().then(
      () => {
        log.info('stopped');
        process.exit(0);
      },
      (error) => {
        log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error) => {
  process.stderr.write(
    `kling-avatar-webhook-adapter: failed to start: ${error instanceof Error ? error.stack : String(error)}\n`,
  );
  process.exit(1);
});
