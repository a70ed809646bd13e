/**
 * Test helpers: fixtures made with ffmpeg itself and checks made with ffprobe
 * (`@ffprobe-installer/ffprobe`, a devDependency). Not part of the published entry.
 */
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { promisify } from 'node:util';
import { ensureExecutable, resolveFfmpeg } from './ffmpeg-path.js';

const execFileAsync = promisify(execFile);

export const ffmpegPath = resolveFfmpeg().path;

export const ffprobePath: string = (() => {
  const require = createRequire(import.meta.url);
  const { path: probe } = require('@ffprobe-installer/ffprobe') as { path: string };
  if (!ensureExecutable(probe)) throw new Error(`ffprobe at ${probe} is not executable`);
  return probe;
})();

async function ffmpeg(args: string[]): Promise<void> {
  await execFileAsync(ffmpegPath, ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', ...args]);
}

/** A 600×900 portrait PNG (ffmpeg's colourful test pattern), a landscape RGBA PNG and a 3.2 s WAV. */
export async function makeFixtures(directory: string): Promise<{
  portraitPng: string;
  landscapeAlphaPng: string;
  speechWav: string;
  speechAdts: string;
}> {
  const portraitPng = path.join(directory, 'portrait.png');
  const landscapeAlphaPng = path.join(directory, 'landscape-alpha.png');
  const speechWav = path.join(directory, 'speech.wav');
  const speechAdts = path.join(directory, 'speech.aac');
  await Promise.all([
    ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=s=600x900', '-frames:v', '1', portraitPng]),
    ffmpeg([
      '-f',
      'lavfi',
      '-i',
      'testsrc2=s=900x500,format=rgba,colorchannelmixer=aa=0.6',
      '-frames:v',
      '1',
      landscapeAlphaPng,
    ]),
    // A 220 Hz tone whose loudness swings like speech, 22.05 kHz mono 16-bit.
    ffmpeg([
      '-f',
      'lavfi',
      '-i',
      'sine=frequency=220:sample_rate=22050:duration=3.2',
      '-af',
      'volume=eval=frame:volume=0.2+0.8*abs(sin(2*PI*t*1.5))',
      '-ac',
      '1',
      '-c:a',
      'pcm_s16le',
      speechWav,
    ]),
  ]);
  // The same speech as raw AAC (ADTS): ffmpeg can only estimate its length from the bitrate.
  await ffmpeg(['-i', speechWav, '-c:a', 'aac', '-b:a', '64k', '-f', 'adts', speechAdts]);
  return { portraitPng, landscapeAlphaPng, speechWav, speechAdts };
}

export interface ProbeResult {
  format: { duration: string; format_name: string };
  streams: {
    codec_type: 'video' | 'audio';
    codec_name: string;
    width?: number;
    height?: number;
    pix_fmt?: string;
    duration?: string;
  }[];
}

export async function probe(file: string): Promise<ProbeResult> {
  const { stdout } = await execFileAsync(ffprobePath, [
    '-v',
    'error',
    '-show_format',
    '-show_streams',
    '-of',
    'json',
    file,
  ]);
  return JSON.parse(stdout) as ProbeResult;
}

/** One decoded frame at `seconds`, as packed RGB24 bytes. */
export async function frameRgb(file: string, seconds: number): Promise<Buffer> {
  const { stdout } = await execFileAsync(
    ffmpegPath,
    [
      '-hide_banner',
      '-loglevel',
      'error',
      '-nostdin',
      '-ss',
      String(seconds),
      '-i',
      file,
      '-frames:v',
      '1',
      '-f',
      'rawvideo',
      '-pix_fmt',
      'rgb24',
      'pipe:1',
    ],
    { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 },
  );
  return stdout;
}

/**
 * Counts pixels whose colour differs by more than `threshold` in any channel (which ignores
 * encoder noise), in the whole frame or inside a rectangle.
 */
export function countDifferentPixels(
  a: Buffer,
  b: Buffer,
  width: number,
  options: { threshold?: number; region?: { x: number; y: number; w: number; h: number } } = {},
): number {
  if (a.length !== b.length) throw new Error(`frame sizes differ: ${a.length} vs ${b.length}`);
  const threshold = options.threshold ?? 24;
  const height = a.length / 3 / width;
  const region = options.region ?? { x: 0, y: 0, w: width, h: height };
  let count = 0;
  for (let y = region.y; y < region.y + region.h; y++) {
    for (let x = region.x; x < region.x + region.w; x++) {
      const i = (y * width + x) * 3;
      if (
        Math.abs(a[i]! - b[i]!) > threshold ||
        Math.abs(a[i + 1]! - b[i + 1]!) > threshold ||
        Math.abs(a[i + 2]! - b[i + 2]!) > threshold
      ) {
        count++;
      }
    }
  }
  return count;
}
