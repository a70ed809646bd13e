/**
 * Turn any error into what the user reads: one paragraph with the code, request id and hint for
 * Kling errors, the list of problems for validation errors, and for anything unexpected the message
 * plus "run with --debug for details". Stacks only with `--debug`.
 */
import { KlingApiError, KlingAvatarError, KlingValidationError } from '@kling-avatar/core';
import { ManifestError } from '../engine/manifest.js';
import { EXIT, UsageError, UserError } from './errors.js';

export interface DescribedError {
  text: string;
  exitCode: number;
  /** Machine-readable form for `--json`. */
  json: Record<string, unknown>;
}

export function describeError(
  error: unknown,
  options: { debug?: boolean; command?: string } = {},
): DescribedError {
  const stack = options.debug && error instanceof Error && error.stack ? `\n\n${error.stack}` : '';
  if (error instanceof UsageError) {
    const help = options.command ? `kling-avatar ${options.command} --help` : 'kling-avatar --help';
    const hint = error.hint ? `\n${error.hint}` : `\nSee \`${help}\`.`;
    return {
      text: `error: ${error.message}${hint}${stack}`,
      exitCode: EXIT.usage,
      json: { error: { kind: 'usage', message: error.message, hint: error.hint } },
    };
  }
  if (error instanceof UserError) {
    return {
      text: `error: ${error.message}${error.hint ? `\n${error.hint}` : ''}${stack}`,
      exitCode: error.exitCode,
      json: { error: { kind: 'user', message: error.message, hint: error.hint } },
    };
  }
  if (error instanceof ManifestError) {
    return {
      text: `error: ${error.message}${stack}`,
      exitCode: EXIT.failure,
      json: { error: { kind: 'manifest', message: error.summary, issues: error.issues } },
    };
  }
  if (KlingAvatarError.isInstance(error)) {
    // A wait that timed out or was interrupted leaves the task running: say how to pick it up again.
    const resume =
      error.taskId && (error.category === 'timeout' || error.category === 'cancelled')
        ? `\nResume with: kling-avatar wait ${error.taskId}`
        : '';
    return {
      text: `error: ${klingErrorParagraph(error)}${resume}${stack}`,
      exitCode: EXIT.failure,
      json: { error: { kind: 'kling', ...error.toJSON(), ...problemsOf(error) } },
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  return {
    text: options.debug
      ? `error: unexpected failure: ${message}${stack}`
      : `error: unexpected failure: ${message}\nRun with --debug for details.`,
    exitCode: EXIT.failure,
    json: { error: { kind: 'unexpected', message } },
  };
}

/** `Kling code 1102 — …. Hint. (HTTP 429, request id …, task …)` in one paragraph. */
export function klingErrorParagraph(error: KlingAvatarError): string {
  let text = error.message;
  if (error.hint && !text.includes(error.hint)) text += ` ${error.hint}`;
  const details: string[] = [];
  if (error.code !== undefined && !(error instanceof KlingApiError)) details.push(`code ${error.code}`);
  if (error.statusCode !== undefined && error.statusCode !== 200) details.push(`HTTP ${error.statusCode}`);
  if (error.requestId) details.push(`request id ${error.requestId}`);
  if (error.taskId && !text.includes(error.taskId)) details.push(`task ${error.taskId}`);
  if (details.length > 0 && !(error instanceof KlingValidationError)) text += ` (${details.join(', ')})`;
  return text;
}

function problemsOf(error: KlingAvatarError): Record<string, unknown> {
  return error instanceof KlingValidationError ? { problems: error.problems } : {};
}
