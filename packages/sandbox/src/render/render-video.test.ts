import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { OUTPUT_RESOLUTION } from '@kling-avatar/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildRenderArgs, escapeFilterValue, FAST_X264_PARAMS, renderAvatarVideo } from './render-video.js';
import { FfmpegError } from './run-ffmpeg.js';
import { countDifferentPixels, frameRgb, makeFixtures, type ProbeResult, probe } from './test-media.js';

const AUDIO_SECONDS = 3.2;
const DEJAVU_BOLD = '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf';

let directory: string;
let fixtures: Awaited<ReturnType<typeof makeFixtures>>;
let cleanStd: string;
let watermarkedStd: string;

function expectAvatarMp4(result: ProbeResult, width: number, height: number): void {
  const video = result.streams.find((stream) => stream.codec_type === 'video');
  const audio = result.streams.find((stream) => stream.codec_type === 'audio');
  expect(result.format.format_name).toContain('mp4');
  expect(video).toMatchObject({ codec_name: 'h264', pix_fmt: 'yuv420p', width, height });
  expect(audio).toMatchObject({ codec_name: 'aac' });
  expect(Math.abs(Number(result.format.duration) - AUDIO_SECONDS)).toBeLessThanOrEqual(0.1);
  expect(Math.abs(Number(video!.duration) - AUDIO_SECONDS)).toBeLessThanOrEqual(0.1);
  expect(Math.abs(Number(audio!.duration) - AUDIO_SECONDS)).toBeLessThanOrEqual(0.1);
}

beforeAll(async () => {
  directory = await mkdtemp(path.join(tmpdir(), 'sandbox-render-test-'));
  fixtures = await makeFixtures(directory);
  cleanStd = path.join(directory, 'clean-std.mp4');
  watermarkedStd = path.join(directory, 'watermarked-std.mp4');
  const common = {
    imagePath: fixtures.portraitPng,
    audioPath: fixtures.speechWav,
    ...OUTPUT_RESOLUTION.std,
  };
  // The clean and watermarked copies render in parallel, as the sandbox does for one task.
  await Promise.all([
    renderAvatarVideo({ ...common, outputPath: cleanStd }),
    renderAvatarVideo({ ...common, outputPath: watermarkedStd, watermarkText: 'Kling AI · Sandbox' }),
  ]);
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('renderAvatarVideo', () => {
  it('renders std as 1280x720 H.264 yuv420p + AAC, as long as the audio', async () => {
    expectAvatarMp4(await probe(cleanStd), 1280, 720);
    expectAvatarMp4(await probe(watermarkedStd), 1280, 720);
  });

  it('puts the moov atom first (faststart) so the MP4 streams over HTTP', async () => {
    const bytes = await readFile(cleanStd);
    const moov = bytes.indexOf('moov');
    const mdat = bytes.indexOf('mdat');
    expect(moov).toBeGreaterThan(0);
    expect(moov).toBeLessThan(mdat);
  });

  it('moves: frames at different times differ', async () => {
    const [early, late] = await Promise.all([frameRgb(cleanStd, 0.4), frameRgb(cleanStd, 2.4)]);
    expect(early.length).toBe(1280 * 720 * 3);
    expect(countDifferentPixels(early, late, 1280)).toBeGreaterThan(1280 * 720 * 0.01);
  });

  it('draws a visible watermark (bottom right) only on the watermarked copy', async () => {
    const [clean, marked] = await Promise.all([frameRgb(cleanStd, 1.2), frameRgb(watermarkedStd, 1.2)]);
    const bottomRight = { x: 640, y: 540, w: 640, h: 180 };
    const inCorner = countDifferentPixels(clean, marked, 1280, { region: bottomRight });
    const everywhere = countDifferentPixels(clean, marked, 1280);
    expect(inCorner).toBeGreaterThan(3000);
    expect(inCorner / everywhere).toBeGreaterThan(0.9);
  });

  it('falls back to a drawn badge when no font is available', async () => {
    const output = path.join(directory, 'badge-std.mp4');
    await renderAvatarVideo({
      imagePath: fixtures.portraitPng,
      audioPath: fixtures.speechWav,
      outputPath: output,
      ...OUTPUT_RESOLUTION.std,
      watermarkText: 'Kling AI',
      watermarkFontFile: path.join(directory, 'no-such-font.ttf'),
      waveform: false,
    });
    expectAvatarMp4(await probe(output), 1280, 720);
    const [clean, marked] = await Promise.all([frameRgb(cleanStd, 1.2), frameRgb(output, 1.2)]);
    const bottomRight = { x: 960, y: 600, w: 320, h: 120 };
    expect(countDifferentPixels(clean, marked, 1280, { region: bottomRight })).toBeGreaterThan(3000);
  });

  it.skipIf(!existsSync(DEJAVU_BOLD))('finds a font whose path needs filter-graph escaping', async () => {
    const fontDirectory = path.join(directory, "font's:dir, [x]; y");
    await mkdir(fontDirectory);
    const fontFile = path.join(fontDirectory, 'DejaVuSans-Bold.ttf');
    await copyFile(DEJAVU_BOLD, fontFile);
    const output = path.join(directory, 'escaped-font.mp4');
    await renderAvatarVideo({
      imagePath: fixtures.portraitPng,
      audioPath: fixtures.speechWav,
      outputPath: output,
      ...OUTPUT_RESOLUTION.std,
      watermarkText: "100% 'quoted': %{pts} [text]",
      watermarkFontFile: fontFile,
    });
    expectAvatarMp4(await probe(output), 1280, 720);
  });

  it('renders pro as 1920x1080, using the given duration', async () => {
    const output = path.join(directory, 'pro.mp4');
    await renderAvatarVideo({
      imagePath: fixtures.portraitPng,
      audioPath: fixtures.speechWav,
      outputPath: output,
      ...OUTPUT_RESOLUTION.pro,
      durationSeconds: AUDIO_SECONDS,
      watermarkText: 'Kling AI',
    });
    expectAvatarMp4(await probe(output), 1920, 1080);
  });

  it('fits a landscape image with transparency without distortion', async () => {
    const output = path.join(directory, 'nested', 'landscape.mp4');
    await renderAvatarVideo({
      imagePath: fixtures.landscapeAlphaPng,
      audioPath: fixtures.speechWav,
      outputPath: output,
      ...OUTPUT_RESOLUTION.std,
    });
    expectAvatarMp4(await probe(output), 1280, 720);
  });

  it('measures audio whose header only estimates its length (raw AAC) by decoding it', async () => {
    const output = path.join(directory, 'from-adts.mp4');
    await renderAvatarVideo({
      imagePath: fixtures.portraitPng,
      audioPath: fixtures.speechAdts,
      outputPath: output,
      ...OUTPUT_RESOLUTION.std,
    });
    // The decoded ADTS stream carries the encoder's priming samples (about 46 ms) on top of the 3.2 s.
    expectAvatarMp4(await probe(output), 1280, 720);
  });

  it('kills ffmpeg on abort and leaves no file behind', async () => {
    const output = path.join(directory, 'aborted', 'pro.mp4');
    const controller = new AbortController();
    const rendering = renderAvatarVideo({
      imagePath: fixtures.portraitPng,
      audioPath: fixtures.speechWav,
      outputPath: output,
      ...OUTPUT_RESOLUTION.pro,
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 150);
    await expect(rendering).rejects.toMatchObject({ name: 'AbortError' });
    expect(existsSync(output)).toBe(false);
    const leftovers = existsSync(path.dirname(output)) ? await readdir(path.dirname(output)) : [];
    expect(leftovers).toEqual([]);
  });

  it('rejects at once when the signal is already aborted', async () => {
    const reason = new Error('stop');
    await expect(
      renderAvatarVideo({
        imagePath: fixtures.portraitPng,
        audioPath: fixtures.speechWav,
        outputPath: path.join(directory, 'never.mp4'),
        ...OUTPUT_RESOLUTION.std,
        signal: AbortSignal.abort(reason),
      }),
    ).rejects.toBe(reason);
  });

  it('reports an unreadable image as an FfmpegError carrying ffmpeg output', async () => {
    const error = await renderAvatarVideo({
      imagePath: path.join(directory, 'missing.png'),
      audioPath: fixtures.speechWav,
      outputPath: path.join(directory, 'missing.mp4'),
      ...OUTPUT_RESOLUTION.std,
    }).catch((caught: unknown) => caught);
    expect(FfmpegError.isInstance(error)).toBe(true);
    expect((error as FfmpegError).message).toMatch(/could not read the image/);
    expect((error as FfmpegError).stderr).toMatch(/No such file or directory/);
  });

  it('refuses odd or tiny sizes', async () => {
    const base = { imagePath: fixtures.portraitPng, audioPath: fixtures.speechWav, outputPath: 'x.mp4' };
    await expect(renderAvatarVideo({ ...base, width: 1281, height: 720 })).rejects.toThrow(RangeError);
    await expect(renderAvatarVideo({ ...base, width: 32, height: 32 })).rejects.toThrow(RangeError);
  });
});

describe('buildRenderArgs', () => {
  const base = {
    imagePath: 'in.png',
    audioPath: 'in.wav',
    outputPath: 'out.mp4',
    width: 1280,
    height: 720,
    fps: 25,
    input: { imageWidth: 600, imageHeight: 900, imageHasAlpha: false, audioDurationSeconds: 3.2 },
    watermark: undefined,
    waveform: true,
    threads: 2,
    preset: 'veryfast',
  };

  it('cuts video and padded audio at the duration (-shortest never ends a looped graph)', () => {
    const args = buildRenderArgs({ ...base, durationSeconds: 3.2 });
    expect(args.slice(args.indexOf('-t'), args.indexOf('-t') + 2)).toEqual(['-t', '3.200']);
    expect(args).not.toContain('-shortest');
    expect(args[args.indexOf('-filter_complex') + 1]).toContain('[1:a]aresample=44100,apad');
  });

  it('encodes H.264 yuv420p + AAC with faststart and per-render threads', () => {
    const args = buildRenderArgs({ ...base, durationSeconds: 3.2 }).join(' ');
    expect(args).toContain('-c:v libx264');
    expect(args).toContain('-pix_fmt yuv420p');
    expect(args).toContain('-c:a aac');
    expect(args).toContain('-movflags +faststart');
    expect(args).toContain('-threads 2');
    expect(args).not.toContain('-x264-params');
    const tuned = buildRenderArgs({ ...base, durationSeconds: 3.2, x264Params: FAST_X264_PARAMS }).join(' ');
    expect(tuned).toContain(`-preset veryfast -x264-params ${FAST_X264_PARAMS}`);
  });

  it('never puts watermark text into the filter graph (it is read from a file)', () => {
    const args = buildRenderArgs({
      ...base,
      durationSeconds: 3.2,
      watermark: { textFile: '/tmp/a:b/watermark.txt', fontFile: '/fonts/Font.ttf' },
    });
    const graph = args[args.indexOf('-filter_complex') + 1]!;
    expect(graph).toContain('textfile=/tmp/a\\\\:b/watermark.txt');
    expect(graph).toContain('expansion=none');
  });
});

describe('escapeFilterValue', () => {
  it('escapes both filter-graph levels as ffmpeg documents', () => {
    // The example from ffmpeg's "Notes on filtergraph escaping".
    expect(escapeFilterValue("this is a 'string': may contain one, or more, special characters")).toBe(
      "this is a \\\\\\'string\\\\\\'\\\\: may contain one\\, or more\\, special characters",
    );
    expect(escapeFilterValue('C:\\Windows\\Fonts\\arialbd.ttf')).toBe(
      'C\\\\:\\\\\\\\Windows\\\\\\\\Fonts\\\\\\\\arialbd.ttf',
    );
  });
});
