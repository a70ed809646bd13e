/** Temporary folders with media files for tests, removed afterwards. */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { png, wav } from '@kling-avatar/test-media';

export interface Workspace {
  dir: string;
  path(...parts: string[]): string;
  write(relativePath: string, content: string | Uint8Array): Promise<string>;
  png(relativePath: string, width?: number, height?: number, rgb?: [number, number, number]): Promise<string>;
  wav(relativePath: string, seconds?: number, frequency?: number): Promise<string>;
  remove(): Promise<void>;
}

export async function createWorkspace(prefix = 'kav-cli-'): Promise<Workspace> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const write = async (relativePath: string, content: string | Uint8Array) => {
    const path = join(dir, relativePath);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, content);
    return path;
  };
  return {
    dir,
    path: (...parts) => join(dir, ...parts),
    write,
    png: (relativePath, width = 320, height = 400, rgb) => write(relativePath, png(width, height, rgb)),
    wav: (relativePath, seconds = 2.5, frequency) =>
      write(relativePath, wav(seconds, frequency === undefined ? {} : { frequency })),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
