/**
 * The `kling-avatar` command line, built with commander. `runCli` returns the exit code instead of
 * exiting, so tests can run it in-process; `bin.ts` wires it to the real process and signals.
 *
 * Exit codes: 0 success · 1 not acceptable / failed · 2 usage (bad flags, missing credentials,
 * unreadable argument files) · 130 interrupted.
 */
import { LIMITS, MODES, TTS_LANGUAGES } from '@kling-avatar/core';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { runInspect } from './commands/inspect.js';
import { runRender } from './commands/render.js';
import { runSandbox } from './commands/sandbox.js';
import { runCreate, runGet, runList, runTts, runWait } from './commands/tasks.js';
import { runValidate } from './commands/validate.js';
import { describeError } from './util/describe-error.js';
import { EXIT } from './util/errors.js';
import { parseDuration } from './util/format.js';
import { type CliIo, processIo, writeJson, writeLine } from './util/io.js';

const VERSION = '0.1.0';

function integer(name: string, min: number, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    const parsed = Number(value);
    if (!/^\s*\d+\s*$/.test(value) || parsed < min || parsed > max) {
      throw new InvalidArgumentError(
        `${name} must be a whole number from ${min}${max === Number.MAX_SAFE_INTEGER ? ' up' : ` to ${max}`}.`,
      );
    }
    return parsed;
  };
}

function decimal(name: string, min: number, max = Number.POSITIVE_INFINITY) {
  return (value: string): number => {
    const parsed = Number(value);
    if (value.trim() === '' || !Number.isFinite(parsed) || parsed < min || parsed > max) {
      throw new InvalidArgumentError(
        `${name} must be a number from ${min}${max === Number.POSITIVE_INFINITY ? ' up' : ` to ${max}`}.`,
      );
    }
    return parsed;
  };
}

function duration(value: string): number {
  const ms = parseDuration(value);
  if (ms === undefined || ms <= 0)
    throw new InvalidArgumentError('use seconds or a unit, e.g. 90, 90s, 15m, 1h.');
  return ms;
}

/** commander names options after the flag (`--timeout` → `timeout`); the commands take milliseconds. */
function waitFlags<Options extends { timeout?: number; pollInterval?: number }>(options: Options) {
  return { ...options, timeoutMs: options.timeout, pollIntervalMs: options.pollInterval };
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

export async function runCli(argv: string[], io: CliIo = processIo(), signal?: AbortSignal): Promise<number> {
  let exitCode: number = EXIT.ok;
  const program = new Command('kling-avatar');

  program
    .description(
      'Kling AI Avatar API from the command line: one portrait + speech audio → a talking-avatar MP4.',
    )
    .version(VERSION, '-V, --version')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    })
    .showHelpAfterError('(add --help for usage)')
    .addHelpText(
      'after',
      `
Credentials: KLING_API_KEY, or KLING_ACCESS_KEY + KLING_SECRET_KEY. Base URL: KLING_BASE_URL, --base-url
or --region beijing (default Singapore). Try it locally first: \`kling-avatar sandbox\`.
Exit codes: 0 ok, 1 not acceptable or failed, 2 usage error, 130 interrupted.`,
    );

  /** Wrap an action: errors become one readable paragraph (JSON with --json) and an exit code. */
  const action =
    <Args extends unknown[]>(name: string, handler: (...args: Args) => Promise<number>) =>
    async (...args: Args): Promise<void> => {
      const command = args.at(-1) as Command;
      const options = command.opts() as { json?: boolean; debug?: boolean };
      try {
        exitCode = await handler(...args);
      } catch (error) {
        const described = describeError(error, { debug: options.debug, command: name });
        if (options.json) writeJson(io.stdout, { ok: false, ...described.json });
        writeLine(io.stderr, described.text);
        exitCode = signal?.aborted ? EXIT.interrupted : described.exitCode;
      }
    };

  const withCommon = (command: Command) =>
    command
      .option('--json', 'machine-readable output on stdout')
      .option('--debug', 'show stack traces for unexpected errors');
  const withConnection = (command: Command) =>
    withCommon(command)
      .option('--base-url <url>', 'API base URL (default: KLING_BASE_URL, else Singapore)')
      .addOption(new Option('--region <region>', 'singapore or beijing').choices(['singapore', 'beijing']));
  const withWait = (command: Command) =>
    command
      .option(
        '--timeout <duration>',
        'stop waiting after this long (the task keeps running); e.g. 90s, 15m',
        duration,
      )
      .option(
        '--poll-interval <duration>',
        'first delay between status checks (default 3s, slows to 15s)',
        duration,
      )
      .option('--download <file>', 'save the video to this file')
      .option('--watermarked', 'download the watermarked copy');

  withCommon(
    program
      .command('validate')
      .description('check create-task request bodies (JSON) exactly as the API would, media inspected')
      .argument(
        '<request.json...>',
        'request bodies; "image"/"sound_file" may be "@path" (relative to the JSON file)',
      )
      .option('--probe-urls', 'also download URL media and inspect it (as Kling would fetch it)'),
  )
    .addHelpText(
      'after',
      '\n`"image": "@portrait.png"` reads that file and sends it as raw base64 (a CLI convenience; the API itself takes base64 or URLs).\nExit codes: 0 every file acceptable, 1 a file is not, 2 a file cannot be read.',
    )
    .action(action('validate', (files: string[], options) => runValidate(files, options, io)));

  withCommon(
    program
      .command('inspect')
      .description('show what Kling would see in an image or audio file and whether it fits each limit')
      .argument('<file...>', 'images (PNG, JPEG) or audio (MP3, WAV, M4A, AAC)'),
  ).action(action('inspect', (files: string[], options) => runInspect(files, options, io)));

  withWait(
    withConnection(
      program
        .command('create')
        .description('create an avatar task (idempotent: a retry never pays twice)')
        .option('--image <path|url>', 'portrait: JPG/PNG file or http(s) URL')
        .option('--audio <path|url>', 'speech: MP3/WAV/M4A/AAC file or http(s) URL')
        .option('--audio-id <id>', 'speech made by `kling-avatar tts` (instead of --audio)')
        .option(
          '--prompt <text>',
          `actions, emotions, camera moves (≤ ${LIMITS.prompt.maxLength} characters)`,
        )
        .addOption(new Option('--mode <mode>', 'std (720p) or pro (1080p)').choices(MODES))
        .option('--watermark', 'also produce a watermarked copy')
        .option('--callback-url <url>', 'Kling POSTs status changes here')
        .option('--external-task-id <id>', 'your own unique id (default: generated)')
        .option('--wait', 'wait for the result'),
    ),
  ).action(action('create', (options) => runCreate(waitFlags(options), io, signal)));

  withConnection(
    program
      .command('get')
      .description('show one task by task id or external task id')
      .argument('<id>', 'task_id or external_task_id'),
  ).action(action('get', (id: string, options) => runGet(id, options, io, signal)));

  withConnection(
    program
      .command('list')
      .description('list tasks, newest first')
      .option(
        '--page <n>',
        `page number (${LIMITS.list.pageNum.min}–${LIMITS.list.pageNum.max})`,
        integer('--page', LIMITS.list.pageNum.min, LIMITS.list.pageNum.max),
      )
      .option(
        '--page-size <n>',
        `tasks per page (${LIMITS.list.pageSize.min}–${LIMITS.list.pageSize.max}, default ${LIMITS.list.pageSize.default})`,
        integer('--page-size', LIMITS.list.pageSize.min, LIMITS.list.pageSize.max),
      )
      .option('--all', 'every page'),
  ).action(action('list', (options) => runList(options, io, signal)));

  withWait(
    withConnection(
      program
        .command('wait')
        .description('wait for a task to finish, with progress')
        .argument('<id>', 'task_id or external_task_id'),
    ),
  ).action(action('wait', (id: string, options) => runWait(id, waitFlags(options), io, signal)));

  withConnection(
    program
      .command('tts')
      .description('text to speech: makes an audio_id for `create --audio-id` (valid 30 days)')
      .option('--text <text>', `what to say (≤ ${LIMITS.tts.text.maxLength} characters)`)
      .option('--voice-id <id>', "a voice from Kling's voice list, e.g. oversea_male1")
      .addOption(
        new Option('--language <lang>', `voice language (default ${LIMITS.tts.defaultLanguage})`).choices(
          TTS_LANGUAGES,
        ),
      )
      .option(
        '--speed <n>',
        `${LIMITS.tts.voiceSpeed.min}–${LIMITS.tts.voiceSpeed.max}, default ${LIMITS.tts.voiceSpeed.default}`,
        decimal('--speed', LIMITS.tts.voiceSpeed.min, LIMITS.tts.voiceSpeed.max),
      ),
  ).action(action('tts', (options) => runTts(options, io, signal)));

  withConnection(
    program
      .command('render')
      .description('batch-render a manifest or image/audio globs, with a content-hash cache')
      .option('--manifest <file>', 'jobs file (YAML or JSON); default ./avatars.yml')
      .option('--images <glob>', 'portraits, paired with --audio by base name (repeatable)', collect)
      .option('--audio <glob>', 'speech files (repeatable)', collect)
      .option('--out <dir>', 'output folder (default: out/ beside the manifest)')
      .option('--lock <file>', 'lock file (default: <manifest>.lock.json beside the manifest)')
      .option('--dry-run', 'print the plan and cost estimate; no network at all')
      .option('--force', 're-render even when the lock file says a job is up to date')
      .option(
        '--max-units <n>',
        'stop before the estimated spend passes this many units',
        decimal('--max-units', 0),
      )
      .option('--concurrency <n>', 'tasks running at once (default 5)', integer('--concurrency', 1, 100))
      .option('--sandbox', 'render with an embedded local sandbox (also the default without credentials)')
      .option('--timeout <duration>', 'stop waiting for one task after this long (default 15m)', duration),
  ).action(action('render', (options) => runRender({ ...options, timeoutMs: options.timeout }, io, signal)));

  withCommon(
    program
      .command('sandbox')
      .description('run the local Kling-compatible sandbox and print ready-to-use credentials')
      .option('--port <n>', 'port (default 8787; 0 = any free port)', integer('--port', 0, 65535))
      .option('--host <addr>', 'interface to bind (default 127.0.0.1)')
      .option('--api-key <key>', 'accepted API key (repeatable; default: generated)', collect)
      .option('--access-key <ak>', 'accepted access key for JWTs (with --secret-key)')
      .option('--secret-key <sk>', 'its secret key')
      .option(
        '--submitted-ms <ms>',
        'time a task stays submitted (default 1000)',
        integer('--submitted-ms', 0),
      )
      .option('--processing-ms <ms>', 'minimum processing time (default 3000)', integer('--processing-ms', 0))
      .option('--concurrency <n>', 'running tasks before 429/1303 (default 5)', integer('--concurrency', 1))
      .option('--data-dir <dir>', 'keep tasks and media across restarts')
      .option('--callback-secret <whsec>', 'sign callbacks with Standard Webhooks (whsec_…)')
      .option(
        '--fault <spec>',
        'server-wide faults, e.g. "error=1102" or "fail-task=risk;delay=500" (repeatable)',
        collect,
      )
      .option('--quiet', 'no request log'),
  ).action(action('sandbox', (options) => runSandbox(options, io, signal)));

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return EXIT.ok;
      // commander already printed its message (and the help hint) through configureOutput.
      return EXIT.usage;
    }
    const described = describeError(error, {});
    writeLine(io.stderr, described.text);
    return described.exitCode;
  }
  return exitCode;
}
