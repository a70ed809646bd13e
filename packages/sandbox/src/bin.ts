#!/usr/bin/env node
/**
 * `kling-avatar-sandbox`: run the local Kling-compatible Avatar API. Prints the base URL and ready-to-use
 * credentials, then serves until Ctrl-C. `kling-avatar sandbox` in the CLI package runs the same code.
 */
import { parseArgs } from 'node:util';
import { runSandboxCommand, SANDBOX_HELP } from './command.js';

function parseFlags() {
  try {
    return parseArgs({
      options: {
        port: { type: 'string', default: '8787' },
        host: { type: 'string', default: '127.0.0.1' },
        'api-key': { type: 'string', multiple: true },
        'access-key': { type: 'string' },
        'secret-key': { type: 'string' },
        'submitted-ms': { type: 'string' },
        'processing-ms': { type: 'string' },
        concurrency: { type: 'string' },
        'data-dir': { type: 'string' },
        'callback-secret': { type: 'string' },
        fault: { type: 'string' },
        quiet: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    }).values;
  } catch (error) {
    process.stderr.write(`kling-avatar-sandbox: ${(error as Error).message}\n\n${SANDBOX_HELP}`);
    process.exit(2);
  }
}

runSandboxCommand(parseFlags()).catch((error: Error) => {
  console.error(`kling-avatar-sandbox: ${error.message}`);
  process.exit(1);
});
