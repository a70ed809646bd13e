import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { resolveFfmpeg } from './ffmpeg-path.js';
import { FfmpegError, runFfmpeg } from './run-ffmpeg.js';

/** Fonts tried, in order, for the watermark text when `watermarkFontFile` is not given. */
export const WATERMARK_FONT_CANDIDATES: readonly string[] = [
  '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf',
  '/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf',
  '/usr/share/fonts/TTF/DejaVuSans-Bold.ttf',
  '/Library/Fonts/Arial Bold.ttf',
  '/System/Library/Fonts/Supplemental/Arial Bold.ttf',
  'C:\\Windows\\Fonts\\arialbd.ttf',
];

export interface RenderAvatarVideoOptions {
  /** Portrait image (JPEG or PNG; recognised by content, so the extension does not matter). */
  imagePath: string;
  /** Speech audio (WAV, MP3, M4A or AAC). The video is exactly as long as this audio. */
  audioPath: string;
  /** Where the MP4 goes. It is written to a temporary sibling and renamed, so it never exists half-written. */
  outputPath: string;
  /** Output width in pixels (even): 1280 for `std`, 1920 for `pro`. */
  width: number;
  /** Output height in pixels (even): 720 for `std`, 1080 for `pro`. */
  height: number;
  /**
   * Audio length in seconds, when the caller has already measured it. Without it the length in the
   * file's header is used, or, where ffmpeg would only estimate it from the bitrate (raw AAC, some
   * MP3s), the audio is decoded once to measure it. If it is longer than the audio, silence pads it.
   */
  durationSeconds?: number;
  /** Draw this text as a visible watermark (bottom right). Without it the video is clean. */
  watermarkText?: string;
  /** Font for the watermark; default: the first of {@link WATERMARK_FONT_CANDIDATES} that exists. */
  watermarkFontFile?: string;
  /** Stops the render: ffmpeg is killed, nothing is left at `outputPath`, the promise rejects. */
  signal?: AbortSignal;
  /** ffmpeg binary; default {@link resolveFfmpeg}. */
  ffmpegPath?: string;
  /** Frames per second (default 24: film rate, and 4 % less work than 25). */
  fps?: number;
  /** Threads ffmpeg may use for this render (default: the machine's available parallelism). */
  threads?: number;
  /**
   * x264 preset. Default: `superfast` with B-frames, adaptive quantisation and weighted prediction off,
   * about 30 % less CPU than plain `veryfast` for a file about twice as large (still ~1.5 Mbit/s at 720p);
   * the picture is a mostly static illustration-like frame, where those tools buy little. Giving a preset
   * uses it as is.
   */
  preset?: 'ultrafast' | 'superfast' | 'veryfast' | 'faster' | 'fast' | 'medium';
  /** Draw a small live waveform of the speech over the bottom of the portrait (default true). */
  waveform?: boolean;
}

/** What ffmpeg reports about the two inputs. */
export interface RenderInputInfo {
  imageWidth: number;
  imageHeight: number;
  /** Whether the image may carry transparency (its pixel format has alpha or a palette). */
  imageHasAlpha: boolean;
  /** Audio duration from the file's header; undefined when absent or only estimated from the bitrate. */
  audioDurationSeconds: number | undefined;
}

/**
 * Renders a talking-portrait MP4 the way the sandbox stands in for Kling: H.264 (yuv420p, faststart)
 * + AAC, `width`×`height`, exactly as long as the audio. The portrait is fitted without distortion and
 * centred on a blurred copy of itself, with gentle motion (a slow "breathing" zoom that drifts a little)
 * and, by default, a live waveform of the speech, so the result is not a frozen frame.
 */
export async function renderAvatarVideo(options: RenderAvatarVideoOptions): Promise<void> {
  const { imagePath, audioPath, outputPath, width, height, signal } = options;
  for (const [name, value] of [
    ['width', width],
    ['height', height],
  ] as const) {
    if (!Number.isInteger(value) || value < 64 || value % 2 !== 0) {
      throw new RangeError(`${name} must be an even integer of at least 64, got ${value}`);
    }
  }
  const fps = options.fps ?? 24;
  if (!Number.isInteger(fps) || fps < 1 || fps > 60) throw new RangeError(`fps must be 1–60, got ${fps}`);
  if (options.durationSeconds !== undefined && !(options.durationSeconds > 0)) {
    throw new RangeError(`durationSeconds must be positive, got ${options.durationSeconds}`);
  }
  signal?.throwIfAborted();

  const ffmpegPath = options.ffmpegPath ?? resolveFfmpeg().path;
  const input = await probeRenderInputs(ffmpegPath, imagePath, audioPath, signal);
  const durationSeconds =
    options.durationSeconds ??
    input.audioDurationSeconds ??
    (await measureAudioDuration(ffmpegPath, audioPath, signal));

  const scratch = await mkdtemp(path.join(tmpdir(), 'kling-sandbox-render-'));
  const partialPath = `${outputPath}.${process.pid}-${randomBytes(4).toString('hex')}.partial`;
  try {
    let watermark: WatermarkSpec | undefined;
    if (options.watermarkText !== undefined && options.watermarkText !== '') {
      const fontFile =
        options.watermarkFontFile ?? WATERMARK_FONT_CANDIDATES.find((font) => existsSync(font));
      if (fontFile !== undefined && existsSync(fontFile)) {
        // drawtext reads the text from a file so that no user text ever needs filter-graph escaping.
        const textFile = path.join(scratch, 'watermark.txt');
        await writeFile(textFile, options.watermarkText, 'utf8');
        watermark = { textFile, fontFile };
      } else {
        watermark = {};
      }
    }

    const args = buildRenderArgs({
      imagePath,
      audioPath,
      outputPath: partialPath,
      width,
      height,
      fps,
      input,
      durationSeconds,
      watermark,
      waveform: options.waveform ?? true,
      threads: options.threads ?? availableParallelism(),
      preset: options.preset ?? 'superfast',
      x264Params: options.preset === undefined ? FAST_X264_PARAMS : undefined,
    });
    await mkdir(path.dirname(path.resolve(outputPath)), { recursive: true });
    await runFfmpeg(ffmpegPath, args, { signal });
    await rename(partialPath, outputPath);
  } catch (error) {
    await rm(partialPath, { force: true });
    throw error;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** Reads image size and audio duration with `ffmpeg -i` (ffprobe is not required at run time). */
export async function probeRenderInputs(
  ffmpegPath: string,
  imagePath: string,
  audioPath: string,
  signal?: AbortSignal,
): Promise<RenderInputInfo> {
  const { stderr } = await runFfmpeg(
    ffmpegPath,
    ['-hide_banner', '-nostdin', '-i', imagePath, '-i', audioPath],
    {
      signal,
      allowFailure: true, // "At least one output file must be specified" is the expected exit.
      stderrLimit: 256 * 1024, // long metadata (ID3 tags, PNG text) must not push the stream lines out
    },
  );
  const inputs = parseInputSections(stderr);
  const image = inputs.get(0);
  const audio = inputs.get(1);
  const tail = stderr.slice(-4000);
  const problem = (what: string) =>
    new FfmpegError(`ffmpeg could not read the ${what}:\n${tail}`, {
      exitCode: 1,
      signal: null,
      stderr: tail,
      args: ['-i', imagePath, '-i', audioPath],
    });

  const video = image && /Stream #0:\d+.*?: Video: ([^\n]*)/.exec(image);
  const size = video && /(?:^|[ ,])(\d{1,5})x(\d{1,5})(?=[ ,[]|$)/.exec(video[1]!);
  if (!size) throw problem(`image ${imagePath}`);
  if (!audio || !/Stream #1:\d+.*?: Audio: /.test(audio)) throw problem(`audio ${audioPath}`);

  const duration = /Duration: (\d+):(\d{2}):(\d{2}(?:\.\d+)?)/.exec(audio);
  return {
    imageWidth: Number(size[1]),
    imageHeight: Number(size[2]),
    imageHasAlpha: /\b(?:rgba|bgra|argb|abgr|ya8|ya16\w*|yuva\w*|rgba64\w*|pal8|gbrap\w*)\b/.test(video[1]!),
    // ffmpeg warns about an estimate before the "Input #n" line it belongs to; images never estimate.
    audioDurationSeconds:
      duration && !/Estimating duration from bitrate/.test(stderr) ? parseClock(duration) : undefined,
  };
}

/** Decodes the audio once and reads how far ffmpeg got: exact where the header is not. */
export async function measureAudioDuration(
  ffmpegPath: string,
  audioPath: string,
  signal?: AbortSignal,
): Promise<number> {
  const args = ['-hide_banner', '-nostdin', '-i', audioPath, '-map', '0:a:0', '-f', 'null', '-'];
  const { stderr } = await runFfmpeg(ffmpegPath, args, { signal });
  const times = [...stderr.matchAll(/time=(\d+):(\d{2}):(\d{2}(?:\.\d+)?)/g)];
  const last = times.at(-1);
  const seconds = last ? parseClock(last) : 0;
  if (!(seconds > 0)) {
    throw new FfmpegError(`ffmpeg could not measure the audio ${audioPath}:\n${stderr}`, {
      exitCode: 0,
      signal: null,
      stderr,
      args,
    });
  }
  return seconds;
}

function parseClock(match: RegExpExecArray | RegExpMatchArray): number {
  return Number(match[1]) * 3600 + Number(match[2]) * 60 + Number(match[3]);
}

function parseInputSections(stderr: string): Map<number, string> {
  const sections = new Map<number, string>();
  const parts = stderr.split(/^(?=Input #\d+)/m);
  for (const part of parts) {
    const match = /^Input #(\d+)/.exec(part);
    if (match) sections.set(Number(match[1]), part);
  }
  return sections;
}

interface WatermarkSpec {
  /** Absent: no usable font, so a drawbox mark is drawn instead. */
  textFile?: string;
  fontFile?: string;
}

export interface RenderArgsInput {
  imagePath: string;
  audioPath: string;
  outputPath: string;
  width: number;
  height: number;
  fps: number;
  input: RenderInputInfo;
  /** Output length: the video and the (padded) audio are cut here. */
  durationSeconds: number;
  watermark: WatermarkSpec | undefined;
  waveform: boolean;
  threads: number;
  preset: string;
  /** Extra `-x264-params`, if any. */
  x264Params?: string;
}

/** x264 settings added to the default preset (see {@link RenderAvatarVideoOptions.preset}). */
export const FAST_X264_PARAMS = 'bframes=0:aq-mode=0:weightp=0';

/**
 * Builds the ffmpeg arguments. Speed comes from two choices:
 * - every expensive step (scaling the upload, blurring the background, the drop shadow) runs once on a
 *   single frame, which is then looped in memory;
 * - the portrait card sits at a fixed place and is joined to four crops of the background with
 *   hstack/vstack (plain copies) instead of overlay, which alpha-blends every pixel of the card on
 *   every frame (ffmpeg 4.x overlay always blends) and costs several times more, worst at 1080p.
 * The motion (a slow zoom with a drift, "breathing") happens inside the card with a small zoompan.
 */
export function buildRenderArgs(spec: RenderArgsInput): string[] {
  const { width: W, height: H, fps, input } = spec;
  const even = (value: number) => Math.max(2, 2 * Math.round(value / 2));
  const evenFloor = (value: number) => Math.max(0, 2 * Math.floor(value / 2));

  // Portrait card: the image fitted (no distortion) inside 90 % x 88 % of the frame, with a thin border.
  // Every size and offset is even, as yuv420p crops and stacks need.
  const border = Math.max(2, 2 * Math.round(H / 480));
  const scale = Math.min(
    (W * 0.9 - 2 * border) / input.imageWidth,
    (H * 0.88 - 2 * border) / input.imageHeight,
  );
  const fgW = even(input.imageWidth * scale);
  const fgH = even(input.imageHeight * scale);
  const cardW = fgW + 2 * border;
  const cardH = fgH + 2 * border;
  const cardX = evenFloor((W - cardW) / 2);
  const cardY = evenFloor((H - cardH) / 2);
  const rightW = W - cardX - cardW;
  const bottomH = H - cardY - cardH;

  // Motion inside the card: zoom 1.00 -> 1.04 -> 1.00 every 6 s while the view drifts sideways (7.3 s)
  // and up and down (4.1 s), staying around the upper part where a face usually is.
  const zoom = `1.02-0.02*cos(2*PI*on/${fps * 6})`;
  const panX = `(iw-iw/zoom)*(0.5+0.45*sin(2*PI*on/${Math.round(fps * 7.3)}))`;
  const panY = `(ih-ih/zoom)*(0.35+0.3*sin(2*PI*on/${Math.round(fps * 4.1)}+1.3))`;

  const loopOneFrame = `loop=loop=-1:size=1,settb=1/${fps},setpts=N`;
  const smallW = even(W / 4);
  const smallH = even(H / 4);
  const shadowOffset = even(H / 90);

  const chains: string[] = [];
  if (input.imageHasAlpha) {
    // Flatten transparency onto a light plate once, so everything after is opaque.
    chains.push(
      `color=c=0xe9edf2:s=${input.imageWidth}x${input.imageHeight}:r=${fps}[plate]`,
      '[plate][0:v]overlay=shortest=1:format=rgb,split=2[bgsrc][fgsrc]',
    );
  } else {
    chains.push('[0:v]split=2[bgsrc][fgsrc]');
  }
  chains.push(
    // Background: cover-scaled to a quarter size, blurred, scaled up (more blur for free), a soft drop
    // shadow where the card rests, a vignette; all on one frame, then looped and cut around the card.
    `[bgsrc]${[
      `scale=${smallW}:${smallH}:force_original_aspect_ratio=increase,crop=${smallW}:${smallH},setsar=1`,
      `gblur=sigma=${Math.max(2, Math.round(H / 120))}`,
      'eq=brightness=-0.08:saturation=1.15',
      `scale=${W}:${H}:flags=bicubic`,
      `drawbox=x=${cardX + shadowOffset}:y=${cardY + 2 * shadowOffset}:w=${cardW}:h=${cardH}:color=black@0.6:t=fill`,
      `boxblur=${Math.max(4, Math.round(H / 40))}:2`,
      'vignette=angle=PI/5',
      'format=yuv420p',
      loopOneFrame,
      'split=4[bg1][bg2][bg3][bg4]',
    ].join(',')}`,
    `[bg1]crop=${W}:${cardY}:0:0[top]`,
    `[bg2]crop=${W}:${bottomH}:0:${cardY + cardH}[bottom]`,
    `[bg3]crop=${cardX}:${cardH}:0:${cardY}[left]`,
    `[bg4]crop=${rightW}:${cardH}:${cardX + cardW}:${cardY}[right]`,
    `[fgsrc]${[
      `scale=${fgW}:${fgH}:flags=lanczos,setsar=1,format=yuv420p`,
      loopOneFrame,
      `zoompan=z='${zoom}':x='${panX}':y='${panY}':d=1:s=${fgW}x${fgH}:fps=${fps}`,
      `pad=${cardW}:${cardH}:${border}:${border}:color=white,setsar=1`,
    ].join(',')}[card]`,
    '[left][card][right]hstack=inputs=3[middle]',
    '[top][middle][bottom]vstack=inputs=3[framed]',
  );

  // Everything is cut at `-t`: ffmpeg 4.x's -shortest does not stop a looped filter-graph video.
  const audioChain = '[1:a]aresample=44100,apad';
  let composed = '[framed]';
  if (spec.waveform) {
    // A live waveform of the speech over the bottom of the portrait: small, so its alpha blend is cheap.
    const waveW = even(fgW * 0.7);
    const waveH = even(Math.max(24, H / 12));
    const waveX = cardX + border + Math.round((fgW - waveW) / 2);
    const waveY = cardY + border + fgH - waveH - Math.round(H / 40);
    chains.push(`${audioChain},asplit=2[aout][awave]`);
    chains.push(
      `[awave]showwaves=s=${waveW}x${waveH}:mode=cline:rate=${fps}:colors=white:scale=sqrt,` +
        'colorchannelmixer=aa=0.75,format=yuva420p[wave]',
    );
    chains.push(`[framed][wave]overlay=x=${waveX}:y=${waveY}:eof_action=pass[waved]`);
    composed = '[waved]';
  } else {
    chains.push(`${audioChain}[aout]`);
  }

  const finishing: string[] = [];
  if (spec.watermark) finishing.push(...watermarkFilters(spec.watermark, W, H));
  finishing.push('format=yuv420p');
  chains.push(`${composed}${finishing.join(',')}[vout]`);

  const args = [
    '-hide_banner',
    '-nostdin',
    '-nostats',
    '-loglevel',
    'error',
    '-y',
    '-i',
    spec.imagePath,
    '-i',
    spec.audioPath,
    '-filter_complex_threads',
    String(spec.threads),
    '-filter_complex',
    chains.join(';'),
    '-map',
    '[vout]',
    '-map',
    '[aout]',
    '-c:v',
    'libx264',
    '-preset',
    spec.preset,
    ...(spec.x264Params ? ['-x264-params', spec.x264Params] : []),
    '-crf',
    '23',
    '-pix_fmt',
    'yuv420p',
    '-r',
    String(fps),
    '-g',
    String(fps * 4),
    '-c:a',
    'aac',
    '-b:a',
    '128k',
    '-threads',
    String(spec.threads),
    '-movflags',
    '+faststart',
  ];
  args.push('-t', spec.durationSeconds.toFixed(3), '-f', 'mp4', spec.outputPath);
  return args;
}

function watermarkFilters(watermark: WatermarkSpec, W: number, H: number): string[] {
  const margin = Math.round(H / 24);
  if (watermark.textFile && watermark.fontFile) {
    return [
      [
        'drawtext=expansion=none',
        `fontfile=${escapeFilterValue(watermark.fontFile)}`,
        `textfile=${escapeFilterValue(watermark.textFile)}`,
        `fontsize=${Math.round(H / 20)}`,
        'fontcolor=white@0.85',
        'box=1',
        'boxcolor=black@0.4',
        `boxborderw=${Math.round(H / 80)}`,
        'shadowcolor=black@0.6',
        `shadowx=${Math.max(1, Math.round(H / 360))}`,
        `shadowy=${Math.max(1, Math.round(H / 360))}`,
        `x=w-tw-${margin}`,
        `y=h-th-${margin}`,
      ].join(':'),
    ];
  }
  // No font anywhere: a plain translucent badge still marks the copy visibly.
  const badgeW = Math.round(W / 6);
  const badgeH = Math.round(H / 12);
  const x = W - badgeW - margin;
  const y = H - badgeH - margin;
  const stripe = Math.max(2, Math.round(H / 180));
  return [
    `drawbox=x=${x}:y=${y}:w=${badgeW}:h=${badgeH}:color=white@0.45:t=fill`,
    `drawbox=x=${x}:y=${y}:w=${badgeW}:h=${badgeH}:color=white@0.9:t=${stripe}`,
    `drawbox=x=${x + 3 * stripe}:y=${y + Math.round(badgeH / 2) - stripe}:w=${badgeW - 6 * stripe}:h=${2 * stripe}:color=black@0.6:t=fill`,
  ];
}

/**
 * Escapes a value for use inside a filter-graph option (both levels described in ffmpeg's
 * "Notes on filtergraph escaping"): first the option level (`\ ' :`), then the graph level (`\ ' [ ] , ;`).
 */
export function escapeFilterValue(value: string): string {
  const optionLevel = value.replace(/[\\':]/g, '\\$&');
  return optionLevel.replace(/[\\'[\],;]/g, '\\$&');
}
