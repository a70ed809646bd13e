/** Test media made with the sandbox's own ffmpeg, plus small probes of the rendered MP4s. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { resolveFfmpeg } from '../src/render/ffmpeg-path.js';

const require = createRequire(import.meta.url);
const ffprobePath: string = require('@ffprobe-installer/ffprobe').path;

export interface TestMedia {
  dir: string;
  portraitPng: Buffer;
  smallPng: Buffer;
  widePng: Buffer;
  gif: Buffer;
  speechWav: Buffer;
  shortWav: Buffer;
  speechSeconds: number;
}

export function makeTestMedia(): TestMedia {
  const dir = mkdtempSync(path.join(tmpdir(), 'sandbox-media-'));
  const ffmpeg = resolveFfmpeg().path;
  const make = (name: string, args: string[]) => {
    const file = path.join(dir, name);
    execFileSync(ffmpeg, ['-v', 'error', '-y', ...args, file]);
    return readFileSync(file);
  };
  return {
    dir,
    portraitPng: make('portrait.png', ['-f', 'lavfi', '-i', 'testsrc2=size=480x640', '-frames:v', '1']),
    smallPng: make('small.png', ['-f', 'lavfi', '-i', 'testsrc2=size=299x400', '-frames:v', '1']),
    widePng: make('wide.png', ['-f', 'lavfi', '-i', 'testsrc2=size=1260x500', '-frames:v', '1']),
    gif: make('image.gif', ['-f', 'lavfi', '-i', 'testsrc2=size=400x400', '-frames:v', '1']),
    speechWav: make('speech.wav', [
      '-f',
      'lavfi',
      '-i',
      'sine=frequency=220:duration=2.6',
      '-ar',
      '16000',
      '-ac',
      '1',
    ]),
    shortWav: make('short.wav', [
      '-f',
      'lavfi',
      '-i',
      'sine=frequency=220:duration=1.5',
      '-ar',
      '16000',
      '-ac',
      '1',
    ]),
    speechSeconds: 2.6,
  };
}

export interface ProbedVideo {
  durationSeconds: number;
  streams: { codec_type: string; codec_name: string; width?: number; height?: number }[];
}

export function probeVideo(file: string): ProbedVideo {
  const output = execFileSync(ffprobePath, [
    '-v',
    'error',
    '-show_entries',
    'format=duration:stream=codec_type,codec_name,width,height',
    '-of',
    'json',
    file,
  ]).toString();
  const parsed = JSON.parse(output);
  return { durationSeconds: Number(parsed.format.duration), streams: parsed.streams };
}

/** Raw RGB bytes of the frame at `seconds`, scaled small, for comparing two renders. */
export function frameAt(file: string, seconds: number): Buffer {
  return execFileSync(resolveFfmpeg().path, [
    '-v',
    'error',
    '-ss',
    String(seconds),
    '-i',
    file,
    '-frames:v',
    '1',
    '-vf',
    'scale=160:90',
    '-f',
    'rawvideo',
    '-pix_fmt',
    'rgb24',
    '-',
  ]);
}

export function differingBytes(a: Buffer, b: Buffer): number {
  let count = 0;
  for (let index = 0; index < Math.min(a.length, b.length); index++)
    if (Math.abs(a[index]! - b[index]!) > 8) count++;
  return count;
}
