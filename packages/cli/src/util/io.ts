/** Where a command writes and what it reads from its environment; injectable so tests run in-process. */
export interface OutputStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface CliIo {
  stdout: OutputStream;
  stderr: OutputStream;
  env: Record<string, string | undefined>;
  cwd: string;
}

export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() };
}

/** Live, redrawn progress only for a real terminal outside CI; CI logs get plain lines. */
export function isInteractive(stream: OutputStream, env: Record<string, string | undefined>): boolean {
  return Boolean(stream.isTTY) && !env.CI && env.TERM !== 'dumb';
}

export function writeLine(stream: OutputStream, text = ''): void {
  stream.write(`${text}\n`);
}

export function writeJson(stream: OutputStream, value: unknown): void {
  stream.write(`${JSON.stringify(value, null, 2)}\n`);
}
