import { spawn } from 'node:child_process';

/** How much of ffmpeg's stderr an error keeps: the end is where ffmpeg says what went wrong. */
const STDERR_TAIL_CHARS = 4000;

const FFMPEG_ERROR_MARKER = Symbol.for('kling-avatar.sandbox.FfmpegError');

/** ffmpeg could not be started, exited non-zero or was killed. */
export class FfmpegError extends Error {
  /** Marker checked by {@link FfmpegError.isInstance}. */
  readonly [FFMPEG_ERROR_MARKER] = true;
  /** Exit code, or `null` when ffmpeg was killed by a signal or never started. */
  readonly exitCode: number | null;
  /** Signal that ended ffmpeg, if any. */
  readonly signal: NodeJS.Signals | null;
  /** The last few thousand characters ffmpeg wrote to stderr. */
  readonly stderr: string;
  /** The arguments ffmpeg was started with (paths included; no secrets are ever passed). */
  readonly args: readonly string[];

  constructor(
    message: string,
    details: {
      exitCode: number | null;
      signal: NodeJS.Signals | null;
      stderr: string;
      args: readonly string[];
      cause?: unknown;
    },
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'FfmpegError';
    this.exitCode = details.exitCode;
    this.signal = details.signal;
    this.stderr = details.stderr;
    this.args = details.args;
  }

  /** True for any FfmpegError, even one from another copy of this package. */
  static isInstance(error: unknown): error is FfmpegError {
    return typeof error === 'object' && error !== null && FFMPEG_ERROR_MARKER in error;
  }
}

export interface RunFfmpegOptions {
  /** Kills ffmpeg (SIGKILL) and, once it has exited, rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Resolve on a non-zero exit too (used to read `ffmpeg -i` stream info, which always "fails"). */
  allowFailure?: boolean;
  /** How much of stderr to keep (default 4000 characters; the end is kept). */
  stderrLimit?: number;
}

export interface FfmpegOutput {
  /** Exit code (0 unless `allowFailure` was set). */
  exitCode: number | null;
  /** stderr tail. */
  stderr: string;
}

/**
 * Runs ffmpeg with an argument array (never a shell string) and resolves when it exits 0.
 * With `allowFailure` a non-zero exit resolves too (used to read `ffmpeg -i` stream info).
 */
export function runFfmpeg(
  ffmpegPath: string,
  args: readonly string[],
  options: RunFfmpegOptions = {},
): Promise<FfmpegOutput> {
  const { signal, allowFailure = false, stderrLimit = STDERR_TAIL_CHARS } = options;
  return new Promise<FfmpegOutput>((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortReason(signal));
      return;
    }

    const child = spawn(ffmpegPath, args, { stdio: ['ignore', 'ignore', 'pipe'], windowsHide: true });
    let stderr = '';
    let settled = false;
    let aborted = false;

    // Reject only after ffmpeg has exited, so the caller's clean-up cannot race a still-writing process.
    const onAbort = () => {
      aborted = true;
      child.kill('SIGKILL');
    };
    const finish = (settle: () => void) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      settle();
    };
    signal?.addEventListener('abort', onAbort, { once: true });

    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk;
      if (stderr.length > stderrLimit * 2) stderr = stderr.slice(-stderrLimit);
    });

    child.on('error', (error) => {
      if (aborted) {
        finish(() => reject(abortReason(signal!)));
        return;
      }
      finish(() =>
        reject(
          new FfmpegError(`Could not start ffmpeg at ${ffmpegPath}: ${error.message}`, {
            exitCode: null,
            signal: null,
            stderr: '',
            args,
            cause: error,
          }),
        ),
      );
    });

    child.on('close', (exitCode, exitSignal) => {
      if (aborted) {
        finish(() => reject(abortReason(signal!)));
        return;
      }
      const tail = stderr.slice(-stderrLimit).trim();
      if (exitCode === 0 || (allowFailure && exitSignal === null)) {
        finish(() => resolve({ exitCode, stderr: tail }));
        return;
      }
      const how = exitSignal ? `was killed by ${exitSignal}` : `exited with code ${exitCode}`;
      finish(() =>
        reject(
          new FfmpegError(`ffmpeg ${how}${tail ? `:\n${tail}` : ' (no output)'}`, {
            exitCode,
            signal: exitSignal,
            stderr: tail,
            args,
          }),
        ),
      );
    });
  });
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The render was aborted.', 'AbortError');
}
