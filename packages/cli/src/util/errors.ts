/**
 * The CLI's own error kinds. Anything the user can fix (bad flag, missing credentials, unreadable
 * file, manifest mistake) becomes one readable paragraph and an exit code; only unexpected failures
 * mention `--debug`, and only `--debug` prints a stack.
 */

/** Bad arguments or configuration: exit code 2. */
export class UsageError extends Error {
  readonly exitCode = 2;
  /** What to do about it (printed on its own line). */
  readonly hint?: string;

  constructor(message: string, hint?: string) {
    super(message);
    this.name = 'UsageError';
    this.hint = hint;
  }
}

/** A problem with the user's input files or the outcome of a run: exit code 1, no stack. */
export class UserError extends Error {
  readonly exitCode: number;
  readonly hint?: string;

  constructor(message: string, options: { hint?: string; exitCode?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'UserError';
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? 1;
  }
}

/** Exit codes shared by every command. */
export const EXIT = {
  ok: 0,
  /** A file is not acceptable, a task failed, a job could not be rendered. */
  failure: 1,
  /** Bad arguments, missing credentials, unreadable argument files. */
  usage: 2,
  /** Stopped by Ctrl-C / SIGTERM. */
  interrupted: 130,
} as const;
