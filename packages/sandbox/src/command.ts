/** The sandbox command shared by `kling-avatar-sandbox` and `kling-avatar sandbox`. */
import { parseFaults } from './server/options.js';
import { startSandbox } from './server/sandbox.js';

export interface SandboxCommandFlags {
  port?: string;
  host?: string;
  'api-key'?: string[];
  'access-key'?: string;
  'secret-key'?: string;
  'submitted-ms'?: string;
  'processing-ms'?: string;
  concurrency?: string;
  'data-dir'?: string;
  'callback-secret'?: string;
  fault?: string;
  quiet?: boolean;
  help?: boolean;
}

export const SANDBOX_HELP = `Usage: kling-avatar sandbox [options]

Runs a local Kling-compatible Avatar API that renders real MP4s (no credentials, no network).

Options:
  --port <n>               port to listen on (default 8787; 0 = any free port)
  --host <addr>            interface to bind (default 127.0.0.1)
  --api-key <key>          accepted API key (repeatable; default: one generated key)
  --access-key <ak>        accepted access key for JWTs (with --secret-key)
  --secret-key <sk>        its secret key
  --submitted-ms <ms>      time a task stays "submitted" (default 1000)
  --processing-ms <ms>     minimum time "processing" (default 3000; the render may take longer)
  --concurrency <n>        running tasks before 429/1303 (default 5)
  --data-dir <dir>         keep tasks and media across restarts
  --callback-secret <s>    whsec_… secret: sign callbacks with Standard Webhooks headers
  --fault <spec>           server-wide faults, e.g. "error=1102" or "fail-task=risk control;delay=500"
  --quiet                  no request log
`;

function integer(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0)
    throw new Error(`--${name} must be a whole number ≥ 0, got "${value}"`);
  return parsed;
}

export async function runSandboxCommand(flags: SandboxCommandFlags): Promise<void> {
  if (flags.help) {
    process.stdout.write(SANDBOX_HELP);
    return;
  }
  if (Boolean(flags['access-key']) !== Boolean(flags['secret-key'])) {
    throw new Error('--access-key and --secret-key go together.');
  }
  if (flags['callback-secret'] && !flags['callback-secret'].startsWith('whsec_')) {
    throw new Error('--callback-secret must be a whsec_… value (base64 after the prefix).');
  }
  const sandbox = await startSandbox({
    port: integer('port', flags.port) ?? 8787,
    host: flags.host,
    apiKeys: flags['api-key'],
    accessKeys:
      flags['access-key'] && flags['secret-key']
        ? [{ accessKey: flags['access-key'], secretKey: flags['secret-key'] }]
        : undefined,
    timings: {
      submittedMs: integer('submitted-ms', flags['submitted-ms']),
      processingMs: integer('processing-ms', flags['processing-ms']),
    },
    concurrency: integer('concurrency', flags.concurrency),
    dataDir: flags['data-dir'],
    callbackSecret: flags['callback-secret'],
    faults: parseFaults(flags.fault, { strict: true }),
    log: flags.quiet ? undefined : (line) => console.error(line),
  });
  const { credentials } = sandbox;
  process.stdout.write(
    [
      `Kling Avatar sandbox listening on ${sandbox.url} (ffmpeg: ${sandbox.ffmpeg.source})`,
      '',
      'Use it with:',
      `  export KLING_BASE_URL=${sandbox.url}`,
      `  export KLING_API_KEY=${credentials.apiKey}`,
      'or with JWTs:',
      `  export KLING_ACCESS_KEY=${credentials.accessKey}`,
      `  export KLING_SECRET_KEY=${credentials.secretKey}`,
      ...(credentials.callbackSecret ? [`Callbacks are signed with ${credentials.callbackSecret}`] : []),
      '',
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );
  await new Promise<void>((resolve) => {
    const stop = () => {
      void sandbox.stop().then(resolve);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
