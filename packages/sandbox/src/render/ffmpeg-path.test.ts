import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FFMPEG_ENV_VAR, FfmpegNotFoundError, resolveFfmpeg } from './ffmpeg-path.js';

let directory: string;
let fakeFfmpeg: string;

beforeAll(async () => {
  directory = await mkdtemp(path.join(tmpdir(), 'sandbox-ffmpeg-path-'));
  fakeFfmpeg = path.join(directory, process.platform === 'win32' ? 'ffmpeg.exe' : 'ffmpeg');
  await writeFile(fakeFfmpeg, '#!/bin/sh\nexit 0\n');
  await chmod(fakeFfmpeg, 0o755);
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('resolveFfmpeg', () => {
  it(`prefers ${FFMPEG_ENV_VAR}`, () => {
    expect(resolveFfmpeg({ env: { [FFMPEG_ENV_VAR]: fakeFfmpeg, PATH: '' } })).toEqual({
      path: fakeFfmpeg,
      source: 'env',
    });
  });

  it(`fails loudly when ${FFMPEG_ENV_VAR} points nowhere (no silent fallback)`, () => {
    const missing = path.join(directory, 'nope');
    expect(() => resolveFfmpeg({ env: { [FFMPEG_ENV_VAR]: missing } })).toThrow(FfmpegNotFoundError);
    expect(() => resolveFfmpeg({ env: { [FFMPEG_ENV_VAR]: missing } })).toThrow(missing);
  });

  it('uses the binary from @ffmpeg-installer/ffmpeg next', () => {
    const resolved = resolveFfmpeg({ env: { PATH: '' } });
    expect(resolved.source).toBe('npm');
    expect(resolved.path).toMatch(/@ffmpeg-installer/);
  });

  it('falls back to ffmpeg on PATH', () => {
    const env = { PATH: ['/nonexistent', directory].join(path.delimiter) };
    expect(resolveFfmpeg({ env, skipNpm: true })).toEqual({ path: fakeFfmpeg, source: 'system' });
  });

  it('explains how to install ffmpeg when there is none', () => {
    let error: unknown;
    try {
      resolveFfmpeg({ env: { PATH: '' }, skipNpm: true });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(FfmpegNotFoundError);
    const message = (error as Error).message;
    expect(message).toMatch(/No ffmpeg binary found/);
    expect(message).toMatch(/@ffmpeg-installer\/ffmpeg/);
    expect(message).toMatch(/apt-get install ffmpeg/);
    expect(message).toContain(FFMPEG_ENV_VAR);
  });
});
