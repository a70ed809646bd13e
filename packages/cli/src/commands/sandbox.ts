/**
 * `kling-avatar sandbox`: runs the local Kling-compatible server and prints ready-to-paste
 * `export KLING_BASE_URL=…` lines. Stops on Ctrl-C / SIGTERM.
 */
import type { FaultSpec, Sandbox } from '@kling-avatar/sandbox';
import { UsageError, UserError } from '../util/errors.js';
import { type CliIo, writeJson, writeLine } from '../util/io.js';

export interface SandboxFlags {
  port?: number;
  host?: string;
  apiKey?: string[];
  accessKey?: string;
  secretKey?: string;
  submittedMs?: number;
  processingMs?: number;
  concurrency?: number;
  dataDir?: string;
  callbackSecret?: string;
  fault?: string[];
  quiet?: boolean;
  json?: boolean;
}

/** The `--fault` flags, parsed by the sandbox's own parser in strict mode (a typo is a usage error). */
export async function parseFaultFlag(specs: string[]): Promise<FaultSpec> {
  const { parseFaults, FaultSyntaxError } = await import('@kling-avatar/sandbox');
  try {
    return parseFaults(specs.join(';'), { strict: true });
  } catch (error) {
    if (error instanceof FaultSyntaxError) throw new UsageError(`--fault ${(error as Error).message}`);
    throw error;
  }
}

export async function runSandbox(flags: SandboxFlags, io: CliIo, signal?: AbortSignal): Promise<number> {
  if (Boolean(flags.accessKey) !== Boolean(flags.secretKey)) {
    throw new UsageError('--access-key and --secret-key go together.');
  }
  if (flags.callbackSecret && !flags.callbackSecret.startsWith('whsec_')) {
    throw new UsageError('--callback-secret must be a whsec_… value (base64 after the prefix).');
  }
  const faults = await parseFaultFlag(flags.fault ?? []);
  const { startSandbox } = await import('@kling-avatar/sandbox');
  let sandbox: Sandbox;
  try {
    sandbox = await startSandbox({
      port: flags.port ?? 8787,
      host: flags.host ?? '127.0.0.1',
      apiKeys: flags.apiKey,
      accessKeys:
        flags.accessKey && flags.secretKey
          ? [{ accessKey: flags.accessKey, secretKey: flags.secretKey }]
          : undefined,
      timings: { submittedMs: flags.submittedMs, processingMs: flags.processingMs },
      concurrency: flags.concurrency,
      dataDir: flags.dataDir,
      callbackSecret: flags.callbackSecret,
      faults,
      log: flags.quiet || flags.json ? undefined : (line: string) => writeLine(io.stderr, line),
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') {
      throw new UserError(`port ${flags.port ?? 8787} is already in use.`, {
        hint: 'Stop the other server, or pass --port <n> (--port 0 picks a free one).',
        exitCode: 2,
      });
    }
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') {
      throw new UserError(`cannot listen on ${flags.host}: no such local address.`, { exitCode: 2 });
    }
    throw error;
  }
  const { credentials } = sandbox;
  if (flags.json) {
    writeJson(io.stdout, { url: sandbox.url, credentials, ffmpeg: sandbox.ffmpeg });
  } else {
    writeLine(
      io.stderr,
      `Kling Avatar sandbox listening on ${sandbox.url} (local; renders real MP4s with ffmpeg from ${sandbox.ffmpeg.source}).`,
    );
    writeLine(io.stderr, 'Paste these lines into another shell, then use kling-avatar as usual:');
    writeLine(io.stdout, `export KLING_BASE_URL=${sandbox.url}`);
    writeLine(io.stdout, `export KLING_API_KEY=${credentials.apiKey}`);
    writeLine(io.stderr, 'Or, to use signed JWTs instead of the API key:');
    writeLine(io.stdout, `# export KLING_ACCESS_KEY=${credentials.accessKey}`);
    writeLine(io.stdout, `# export KLING_SECRET_KEY=${credentials.secretKey}`);
    if (credentials.callbackSecret)
      writeLine(io.stderr, `Callbacks are signed with ${credentials.callbackSecret}.`);
    writeLine(io.stderr, 'Press Ctrl-C to stop.');
  }
  await new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    signal?.addEventListener('abort', () => resolve(), { once: true });
  });
  await sandbox.stop();
  if (!flags.json) writeLine(io.stderr, 'Sandbox stopped.');
  return 0;
}
