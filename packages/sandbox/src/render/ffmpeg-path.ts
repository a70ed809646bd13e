import { accessSync, chmodSync, constants, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/** Where the ffmpeg binary the sandbox renders with was found. */
export interface FfmpegResolution {
  /** Absolute path of the ffmpeg executable (as given, for the environment variable). */
  path: string;
  /**
   * `env`: the `KLING_SANDBOX_FFMPEG` environment variable; `npm`: the binary shipped by the
   * `@ffmpeg-installer/ffmpeg` package; `system`: the first `ffmpeg` on `PATH`.
   */
  source: 'env' | 'npm' | 'system';
}

/** Environment variable that points the sandbox at a specific ffmpeg binary. */
export const FFMPEG_ENV_VAR = 'KLING_SANDBOX_FFMPEG';

const INSTALL_HINT = [
  'The Kling Avatar sandbox needs ffmpeg (with libx264 and aac) to render videos. Any one of these fixes it:',
  '  - install the npm package that ships a static binary: `npm install @ffmpeg-installer/ffmpeg`',
  '    (it is a dependency of @kling-avatar/sandbox, so this only fails when its platform package,',
  '    e.g. @ffmpeg-installer/linux-x64, was skipped: reinstall without --no-optional / --omit=optional);',
  '  - install ffmpeg on PATH: `apt-get install ffmpeg` (Debian/Ubuntu), `brew install ffmpeg` (macOS),',
  '    `winget install ffmpeg` (Windows);',
  `  - or set ${FFMPEG_ENV_VAR}=/absolute/path/to/ffmpeg.`,
].join('\n');

/** Thrown by {@link resolveFfmpeg} when no usable ffmpeg exists; the message says how to install one. */
export class FfmpegNotFoundError extends Error {
  constructor(detail: string) {
    super(`${detail}\n${INSTALL_HINT}`);
    this.name = 'FfmpegNotFoundError';
  }
}

export interface ResolveFfmpegOptions {
  /** Environment to read `KLING_SANDBOX_FFMPEG` and `PATH` from (default `process.env`). */
  env?: NodeJS.ProcessEnv;
  /** Skip the npm package (tests use this to reach the `PATH` lookup). */
  skipNpm?: boolean;
}

/**
 * Finds the ffmpeg binary: `KLING_SANDBOX_FFMPEG` first (an explicit choice, so a wrong value is an
 * error rather than a silent fallback), then `@ffmpeg-installer/ffmpeg`, then `ffmpeg` on `PATH`.
 *
 * @throws {FfmpegNotFoundError} when none is usable; the message is meant for the sandbox's start-up output.
 */
export function resolveFfmpeg(options: ResolveFfmpegOptions = {}): FfmpegResolution {
  const env = options.env ?? process.env;

  const fromEnv = env[FFMPEG_ENV_VAR]?.trim();
  if (fromEnv) {
    if (!isExecutableFile(fromEnv)) {
      throw new FfmpegNotFoundError(
        `${FFMPEG_ENV_VAR} is set to "${fromEnv}", which is not an executable file.`,
      );
    }
    return { path: fromEnv, source: 'env' };
  }

  if (!options.skipNpm) {
    const fromNpm = npmFfmpegPath();
    if (fromNpm) return { path: fromNpm, source: 'npm' };
  }

  const fromPath = findOnPath(process.platform === 'win32' ? 'ffmpeg.exe' : 'ffmpeg', env);
  if (fromPath) return { path: fromPath, source: 'system' };

  throw new FfmpegNotFoundError('No ffmpeg binary found.');
}

function npmFfmpegPath(): string | undefined {
  try {
    // The package picks its platform sub-package (optional dependency) and throws when that is missing.
    const require = createRequire(import.meta.url);
    const installer = require('@ffmpeg-installer/ffmpeg') as { path?: unknown };
    if (typeof installer.path !== 'string') return undefined;
    return ensureExecutable(installer.path) ? installer.path : undefined;
  } catch {
    return undefined;
  }
}

function findOnPath(command: string, env: NodeJS.ProcessEnv): string | undefined {
  const searchPath = env.PATH ?? env.Path ?? '';
  for (const directory of searchPath.split(path.delimiter)) {
    if (!directory) continue;
    const candidate = path.join(directory, command);
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

/**
 * The installer's platform package marks its binary executable in a `postinstall` script, which pnpm
 * skips unless the package is allowed to run build scripts; do that one `chmod` here instead.
 */
export function ensureExecutable(file: string): boolean {
  if (isExecutableFile(file)) return true;
  try {
    if (!statSync(file).isFile()) return false;
    chmodSync(file, statSync(file).mode | 0o111);
  } catch {
    return false;
  }
  return isExecutableFile(file);
}

function isExecutableFile(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    accessSync(file, process.platform === 'win32' ? constants.F_OK : constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
