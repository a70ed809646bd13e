/**
 * Errors the user fixes in their workflow file. `run()` prints these without a stack: the message
 * names the input (or the manifest line) and says what to change.
 */
import { ManifestError } from '@kling-avatar/cli';
import { KlingAvatarError } from '@kling-avatar/core';

export class ActionInputError extends Error {
  /** The `with:` key to fix, e.g. `api-key`. */
  readonly input: string;

  constructor(input: string, message: string) {
    super(`Input "${input}": ${message}`);
    this.name = 'ActionInputError';
    this.input = input;
  }
}

/** True for errors whose message is the whole story (bad inputs, manifest problems, Kling refusals). */
export function isUserError(error: unknown): boolean {
  return (
    error instanceof ActionInputError || error instanceof ManifestError || KlingAvatarError.isInstance(error)
  );
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
