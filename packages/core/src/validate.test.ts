import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { adts, gif, jpeg, MiB, m4a, mp3, png, toBase64, wav } from '../test/fixtures.js';
import { LIMITS } from './limits.js';
import { DEFAULT_MEDIA_TIMEOUT_MS, fetchMediaBytes } from './media-fetch.js';
import {
  normalizeVoiceSpeed,
  type ValidateCreateTaskOptions,
  validateCreateTask,
  validateCreateTaskAsync,
  validateListQuery,
  validateTtsRequest,
} from './validate.js';
import type { ValidationProblem } from './validation-problem.js';

const IMAGE = toBase64(png(600, 800));
const AUDIO = toBase64(wav({ durationSeconds: 5 }));
const codes = (problems: ValidationProblem[]) => problems.map((problem) => problem.code);
const problemsOf = (body: unknown, options?: ValidateCreateTaskOptions) =>
  validateCreateTask(body, options).problems;
const codesOf = (body: unknown) => codes(problemsOf(body));

describe('validateCreateTask: valid requests', () => {
  it('accepts base64 image and sound_file and reports what they are', () => {
    const result = validateCreateTask({ image: IMAGE, sound_file: AUDIO, prompt: 'smile', mode: 'pro' });
    expect(result).toEqual({
      ok: true,
      problems: [],
      image: { format: 'png', width: 600, height: 800, bytes: expect.any(Number) },
      audio: { format: 'wav', durationSeconds: 5, bytes: expect.any(Number), sampleRate: 8000, channels: 1 },
    });
  });

  it('accepts audio_id instead of sound_file, every optional field, and ignores unknown fields', () => {
    expect(
      validateCreateTask({
        image: 'https://cdn.example.com/face',
        audio_id: 'tts-123',
        prompt: '',
        mode: 'std',
        watermark_info: { enabled: false },
        callback_url: 'http://127.0.0.1:3000/hook',
        external_task_id: 'job-1',
        model_name: 'ignored',
        duration: 99,
      }),
    ).toEqual({ ok: true, problems: [] });
  });

  it('checks URLs for form only: no download, no media info', () => {
    const result = validateCreateTask({
      image: 'HTTPS://cdn.example.com/a.png',
      sound_file: 'http://x.test/a.mp3',
    });
    expect(result).toEqual({ ok: true, problems: [] });
  });

  it('treats null like an absent optional field', () => {
    expect(
      codesOf({
        image: IMAGE,
        audio_id: 'a',
        sound_file: null,
        prompt: null,
        mode: null,
        watermark_info: null,
      }),
    ).toEqual([]);
  });

  it('accepts every Kling audio format by content', () => {
    const files = {
      mp3: mp3({ frames: 400, id3Bytes: 500 }),
      wav: wav({ durationSeconds: 3 }),
      m4a: m4a({ duration: 44100 * 30, mdatBytes: 200_000 }),
      aac: adts({ frames: 200, sampleRate: 44100 }),
    };
    for (const [format, bytes] of Object.entries(files)) {
      const result = validateCreateTask({ image: IMAGE, sound_file: toBase64(bytes) });
      expect(result.problems).toEqual([]);
      expect(result.audio?.format).toBe(format);
    }
  });
});

describe('validateCreateTask: body and image rules', () => {
  it('rejects a body that is not a JSON object with one body_invalid problem', () => {
    for (const body of [null, undefined, [], 'image', 42, true]) {
      expect(problemsOf(body)).toMatchObject([
        { path: '', code: 'body_invalid', apiMessage: 'invalid request parameters' },
      ]);
    }
  });

  it('requires image', () => {
    for (const image of [undefined, null, '']) {
      expect(problemsOf({ image, audio_id: 'a' })).toEqual([
        {
          path: 'image',
          code: 'image_missing',
          message: 'image: required. Send the portrait as an http(s) URL or as raw base64.',
          apiMessage: 'image can not be null',
        },
      ]);
    }
  });

  it('asks to remove a data: prefix, and still inspects what is behind it', () => {
    const problems = problemsOf({ image: `data:image/png;base64,${toBase64(png(200, 200))}`, audio_id: 'a' });
    expect(problems).toEqual([
      {
        path: 'image',
        code: 'base64_prefix',
        message: 'image: remove the `data:image/png;base64,` prefix and send the raw base64 only.',
        apiMessage: 'File is not in a valid base64 format',
      },
      expect.objectContaining({ code: 'image_too_small' }),
    ]);
  });

  it('also reports invalid base64 behind a data: prefix', () => {
    expect(problemsOf({ image: 'data:image/png;base64,iVBOR\nw0KGgo=', audio_id: 'a' })).toMatchObject([
      { code: 'base64_prefix' },
      { code: 'base64_invalid', message: expect.stringContaining('line break at character 5') },
    ]);
  });

  it('classifies by content even when the data: MIME type (or file name) lies', () => {
    const result = validateCreateTask({
      image: `data:image/png;base64,${toBase64(jpeg(500, 500))}`,
      audio_id: 'a',
    });
    expect(codes(result.problems)).toEqual(['base64_prefix']);
    expect(result.image).toMatchObject({ format: 'jpeg', width: 500, height: 500 });
    const gifAsJpg = validateCreateTask({ image: toBase64(gif(500, 500)), audio_id: 'a' });
    expect(gifAsJpg.problems).toMatchObject([
      { code: 'image_format', apiMessage: 'image format must be jpg, jpeg or png' },
    ]);
  });

  it('rejects invalid base64 with the reason, including line-wrapped base64', () => {
    const wrapped = IMAGE.replace(/(.{76})/g, '$1\n');
    expect(problemsOf({ image: wrapped, audio_id: 'a' })).toEqual([
      {
        path: 'image',
        code: 'base64_invalid',
        message:
          "image: not a URL and not valid base64: it contains a line break at character 76; send the base64 as one line without whitespace. Send an http(s) URL or the file's raw base64.",
        apiMessage: 'File is not in a valid base64 format',
      },
    ]);
    expect(codesOf({ image: 'not base64!', audio_id: 'a' })).toEqual(['base64_invalid']);
    expect(codesOf({ image: 'ftp://example.com/a.png', audio_id: 'a' })).toEqual(['base64_invalid']);
  });

  it('treats an unparseable http(s) value as an unreachable URL (§11: http prefix means URL)', () => {
    expect(problemsOf({ image: 'https://', audio_id: 'a' })).toMatchObject([
      { code: 'url_unreachable', apiMessage: 'image url can not be accessed' },
    ]);
  });

  it("samples long base64 by default and checks every character with base64Check: 'full'", () => {
    const image = toBase64(png(500, 500, { totalBytes: 2 * MiB }));
    // One corrupted character in the middle of the file's padding chunk, where no sample window falls.
    const position = [...Array(400).keys()]
      .map((index) => 100_000 + index * 6_007)
      .find(
        (at) =>
          validateCreateTask({ image: `${image.slice(0, at)}!${image.slice(at + 1)}`, audio_id: 'a' }).ok,
      );
    expect(position).toBeDefined();
    const corrupted = `${image.slice(0, position)}!${image.slice(position! + 1)}`;
    expect(validateCreateTask({ image: corrupted, audio_id: 'a' }).problems).toEqual([]);
    expect(problemsOf({ image: corrupted, audio_id: 'a' }, { base64Check: 'full' })).toMatchObject([
      { code: 'base64_invalid', message: expect.stringContaining(`"!" at character ${position}`) },
    ]);
    // Near either end the default finds it too.
    const nearEnd = `${image.slice(0, -10)}!${image.slice(-9)}`;
    expect(codesOf({ image: nearEnd, audio_id: 'a' })).toEqual(['base64_invalid']);
  });

  it('allows a 10 MiB image and rejects 10 MiB + 1 byte (real PNG and JPEG files)', () => {
    for (const make of [
      (total: number) => png(500, 500, { totalBytes: total }),
      (total: number) => jpeg(500, 500, { totalBytes: total }),
    ]) {
      const exact = validateCreateTask({ image: toBase64(make(LIMITS.image.maxBytes)), audio_id: 'a' });
      expect(exact.problems).toEqual([]);
      expect(exact.image?.bytes).toBe(10 * MiB);
      const over = problemsOf({ image: toBase64(make(LIMITS.image.maxBytes + 1)), audio_id: 'a' });
      expect(over).toMatchObject([
        { code: 'image_too_large', apiMessage: 'image size must not exceed 10MB' },
      ]);
    }
  });

  it('allows 300 px sides and rejects 299 px (PNG and JPEG)', () => {
    for (const make of [png, jpeg]) {
      expect(codesOf({ image: toBase64(make(300, 300)), audio_id: 'a' })).toEqual([]);
      expect(codesOf({ image: toBase64(make(299, 300)), audio_id: 'a' })).toEqual(['image_too_small']);
      expect(codesOf({ image: toBase64(make(300, 299)), audio_id: 'a' })).toEqual(['image_too_small']);
    }
  });

  it('allows an aspect ratio of exactly 2.5 both ways and rejects just over', () => {
    expect(codesOf({ image: toBase64(png(750, 300)), audio_id: 'a' })).toEqual([]);
    expect(codesOf({ image: toBase64(png(300, 750)), audio_id: 'a' })).toEqual([]);
    expect(codesOf({ image: toBase64(png(751, 300)), audio_id: 'a' })).toEqual(['image_aspect_ratio']);
    expect(codesOf({ image: toBase64(jpeg(300, 751, { progressive: true })), audio_id: 'a' })).toEqual([
      'image_aspect_ratio',
    ]);
  });

  it('reports a wrong JSON type as field_type', () => {
    expect(problemsOf({ image: 5, audio_id: 'a' })).toEqual([
      {
        path: 'image',
        code: 'field_type',
        message: 'image: expected a string (an http(s) URL or raw base64), got a number.',
        apiMessage: 'invalid request parameters',
      },
    ]);
  });
});

describe('validateCreateTask: audio rules', () => {
  it('requires exactly one of audio_id and sound_file', () => {
    const neither = problemsOf({ image: IMAGE });
    expect(neither).toMatchObject([
      { code: 'audio_source_count', apiMessage: 'exactly one of audio_id and sound_file must be provided' },
    ]);
    expect(codesOf({ image: IMAGE, audio_id: '', sound_file: '' })).toEqual(['audio_source_count']);
    expect(codesOf({ image: IMAGE, audio_id: 'a', sound_file: AUDIO })).toEqual(['audio_source_count']);
    expect(codesOf({ image: IMAGE, audio_id: 'a', sound_file: '' })).toEqual([]);
  });

  it('still inspects sound_file when both audio fields are set', () => {
    expect(
      codesOf({ image: IMAGE, audio_id: 'a', sound_file: toBase64(wav({ durationSeconds: 1 })) }),
    ).toEqual(['audio_source_count', 'audio_duration']);
  });

  it('allows 2.0 s and 300 s, and rejects 1.99 s and 300.1 s (real WAV files)', () => {
    const check = (durationSeconds: number) =>
      codesOf({
        image: IMAGE,
        sound_file: toBase64(wav({ sampleRate: 8000, bitsPerSample: 8, durationSeconds })),
      });
    expect(check(2)).toEqual([]);
    expect(check(300)).toEqual([]);
    expect(check(1.99)).toEqual(['audio_duration']);
    expect(check(300.1)).toEqual(['audio_duration']);
    expect(
      problemsOf({ image: IMAGE, sound_file: toBase64(wav({ durationSeconds: 1.99 })) })[0]!.apiMessage,
    ).toBe('sound_file duration must be between 2s and 300s');
  });

  it('checks MP3 (Xing) and M4A durations at the limits too', () => {
    const frames = (seconds: number) => Math.round((seconds * 44100) / 1152);
    expect(
      codesOf({
        image: IMAGE,
        sound_file: toBase64(mp3({ frames: 2, xing: { tag: 'Xing', frames: frames(300) } })),
      }),
    ).toEqual([]);
    expect(
      codesOf({
        image: IMAGE,
        sound_file: toBase64(mp3({ frames: 2, xing: { tag: 'Xing', frames: frames(300) + 5 } })),
      }),
    ).toEqual(['audio_duration']);
    expect(codesOf({ image: IMAGE, sound_file: toBase64(m4a({ duration: 2000, timescale: 1000 })) })).toEqual(
      [],
    );
    expect(codesOf({ image: IMAGE, sound_file: toBase64(m4a({ duration: 1999, timescale: 1000 })) })).toEqual(
      ['audio_duration'],
    );
  });

  it('allows 5 MiB of audio and rejects 5 MiB + 1 byte', () => {
    // An even-sized junk chunk grows the file to just under the limit; 10 s of 8 kHz 8-bit data (plus the
    // extra byte for "+1", an odd data chunk is legal at the end of the file) completes it.
    const junkBytes = LIMITS.audio.maxBytes - 44 - 8 - 80_000;
    const sized = (total: number) =>
      wav({ sampleRate: 8000, bitsPerSample: 8, junkBytes, dataBytes: total - 44 - 8 - junkBytes });
    expect(sized(LIMITS.audio.maxBytes).length).toBe(5 * MiB);
    expect(codesOf({ image: IMAGE, sound_file: toBase64(sized(LIMITS.audio.maxBytes)) })).toEqual([]);
    expect(
      problemsOf({ image: IMAGE, sound_file: toBase64(sized(LIMITS.audio.maxBytes + 1)) }),
    ).toMatchObject([{ code: 'audio_too_large', apiMessage: 'sound_file size must not exceed 5MB' }]);
  });

  it('rejects images and unknown bytes sent as sound_file', () => {
    expect(problemsOf({ image: IMAGE, sound_file: IMAGE })).toMatchObject([
      {
        path: 'sound_file',
        code: 'audio_format',
        apiMessage: 'sound_file format must be mp3, wav, m4a or aac',
      },
    ]);
  });

  it('applies prefix and base64 rules to sound_file with its own field name', () => {
    expect(problemsOf({ image: IMAGE, sound_file: `data:audio/wav;base64,${AUDIO}` })).toMatchObject([
      {
        path: 'sound_file',
        code: 'base64_prefix',
        message: expect.stringMatching(/^sound_file: remove the `data:audio\/wav;base64,`/),
      },
    ]);
    expect(problemsOf({ image: IMAGE, sound_file: 'http://' })).toMatchObject([
      { code: 'url_unreachable', apiMessage: 'sound_file url can not be accessed' },
    ]);
  });

  it('reports wrong types for audio fields', () => {
    expect(codesOf({ image: IMAGE, audio_id: 7 })).toEqual(['field_type']);
    expect(codesOf({ image: IMAGE, sound_file: { url: 'x' } })).toEqual(['field_type']);
    expect(codesOf({ image: IMAGE, audio_id: 7, sound_file: ['x'] })).toEqual([
      'audio_source_count',
      'field_type',
      'field_type',
    ]);
  });
});

describe('validateCreateTask: other fields', () => {
  it('allows a 2500-character prompt and rejects 2501, counting code points', () => {
    expect(codesOf({ image: IMAGE, audio_id: 'a', prompt: 'x'.repeat(2500) })).toEqual([]);
    expect(problemsOf({ image: IMAGE, audio_id: 'a', prompt: 'x'.repeat(2501) })).toEqual([
      {
        path: 'prompt',
        code: 'prompt_too_long',
        message: 'prompt: 2501 characters is over the 2500-character limit. Shorten it by 1 character.',
        apiMessage: 'prompt length must not exceed 2500 characters',
      },
    ]);
    // 2500 emoji are 5000 UTF-16 units but 2500 characters.
    expect(codesOf({ image: IMAGE, audio_id: 'a', prompt: '😀'.repeat(2500) })).toEqual([]);
    expect(codesOf({ image: IMAGE, audio_id: 'a', prompt: '😀'.repeat(2501) })).toEqual(['prompt_too_long']);
    expect(codesOf({ image: IMAGE, audio_id: 'a', prompt: 12 })).toEqual(['field_type']);
  });

  it('checks mode, watermark_info, callback_url and external_task_id', () => {
    const base = { image: IMAGE, audio_id: 'a' };
    expect(problemsOf({ ...base, mode: 'fast' })).toMatchObject([
      {
        code: 'mode_invalid',
        apiMessage: 'mode must be one of std, pro',
        message: expect.stringContaining('"fast"'),
      },
    ]);
    expect(codesOf({ ...base, mode: 'STD' })).toEqual(['mode_invalid']);
    expect(problemsOf({ ...base, watermark_info: true })).toMatchObject([
      {
        path: 'watermark_info',
        code: 'watermark_invalid',
        apiMessage: 'watermark_info.enabled must be a boolean',
      },
    ]);
    expect(problemsOf({ ...base, watermark_info: {} })).toMatchObject([
      { path: 'watermark_info.enabled', message: expect.stringContaining('(missing)') },
    ]);
    expect(codesOf({ ...base, watermark_info: { enabled: 'true' } })).toEqual(['watermark_invalid']);
    for (const callbackUrl of ['', 'example.com/hook', 'ftp://example.com', '/hook', 5]) {
      expect(problemsOf({ ...base, callback_url: callbackUrl })).toMatchObject([
        { code: 'callback_url_invalid', apiMessage: 'callback_url must be an absolute http or https URL' },
      ]);
    }
    expect(codesOf({ ...base, external_task_id: '' })).toEqual(['external_task_id_invalid']);
    expect(codesOf({ ...base, external_task_id: 42 })).toEqual(['external_task_id_invalid']);
  });
});

describe('validateCreateTask: every problem at once', () => {
  it('lists all problems in the sandbox rule order, so problems[0] is the API answer', () => {
    const result = validateCreateTask({
      external_task_id: '',
      callback_url: 'ftp://nope',
      watermark_info: { enabled: 1 },
      mode: 'ultra',
      prompt: 'p'.repeat(3000),
      sound_file: toBase64(wav({ durationSeconds: 400, bitsPerSample: 8 })),
      audio_id: 'also-set',
      image: `data:image/gif;base64,${toBase64(gif(100, 1000))}`,
    });
    expect(result.ok).toBe(false);
    expect(codes(result.problems)).toEqual([
      'base64_prefix',
      'image_format',
      'audio_source_count',
      'audio_duration',
      'prompt_too_long',
      'mode_invalid',
      'watermark_invalid',
      'callback_url_invalid',
      'external_task_id_invalid',
    ]);
    expect(result.problems[0]!.apiMessage).toBe('File is not in a valid base64 format');
  });

  it('orders image size problems before audio problems', () => {
    const problems = problemsOf({
      image: toBase64(png(200, 600, { totalBytes: LIMITS.image.maxBytes + 10 })),
      sound_file: toBase64(mp3({ frames: 10 })),
    });
    expect(codes(problems)).toEqual([
      'image_too_large',
      'image_too_small',
      'image_aspect_ratio',
      'audio_duration',
    ]);
  });

  it('can skip media inspection', () => {
    const body = { image: toBase64(png(100, 100)), sound_file: toBase64(wav({ durationSeconds: 1 })) };
    expect(validateCreateTask(body, { inspectMedia: false })).toEqual({ ok: true, problems: [] });
    expect(codes(validateCreateTask({ image: 'bad!' }, { inspectMedia: false }).problems)).toEqual([
      'base64_invalid',
      'audio_source_count',
    ]);
  });
});

describe('validateCreateTask never throws', () => {
  it('on arbitrary JSON (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (body) => {
        const result = validateCreateTask(body);
        expect(result.ok).toBe(result.problems.length === 0);
      }),
    );
  });

  it('on objects whose known fields have random types (property)', () => {
    const anyValue = fc.oneof(
      fc.jsonValue(),
      fc.constantFrom('', 'https://a.example/x', 'data:image/png;base64,AAAA', IMAGE, AUDIO, 'QUJD', '😀'),
    );
    const body = fc.record(
      {
        image: anyValue,
        audio_id: anyValue,
        sound_file: anyValue,
        prompt: anyValue,
        mode: anyValue,
        watermark_info: fc.oneof(anyValue, fc.record({ enabled: anyValue })),
        callback_url: anyValue,
        external_task_id: anyValue,
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(body, (value) => {
        const result = validateCreateTask(value);
        for (const problem of result.problems) {
          expect(problem.message.length).toBeLessThan(600);
          expect(problem.apiMessage.length).toBeGreaterThan(0);
        }
      }),
    );
  });

  it('on hostile objects, huge strings and truncated media', () => {
    const hostile = Object.defineProperty({}, 'image', {
      enumerable: true,
      get() {
        throw new Error('boom');
      },
    });
    expect(validateCreateTask(hostile)).toMatchObject({ ok: false, problems: [{ code: 'body_invalid' }] });
    const huge = 'A'.repeat(20_000_000);
    expect(validateCreateTask({ image: huge, sound_file: huge, prompt: huge }).ok).toBe(false);
    const truncated = toBase64(png(500, 500).subarray(0, 20));
    expect(
      codesOf({ image: truncated, sound_file: toBase64(wav({ durationSeconds: 3 }).subarray(0, 30)) }),
    ).toEqual(['image_unreadable', 'audio_unreadable']);
  });
});

// ---------------------------------------------------------------------------------------------------
// Async: probing URLs through an injected fetch

type FetchFn = typeof fetch;

/** A Response over fixture bytes (typed as ArrayBuffer-backed, which is what BodyInit wants). */
function respond(bytes: Uint8Array, init?: ResponseInit): Response {
  return new Response(bytes as Uint8Array<ArrayBuffer>, init);
}

function serve(routes: Record<string, () => Response | Promise<Response>>): FetchFn & { calls: string[] } {
  const calls: string[] = [];
  const fetchImpl = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = String(input);
    calls.push(url);
    expect(init?.signal).toBeInstanceOf(AbortSignal);
    const route = routes[url];
    if (!route) return new Response('not found', { status: 404 });
    return route();
  }) as FetchFn & { calls: string[] };
  fetchImpl.calls = calls;
  return fetchImpl;
}

/** A body that produces 64 KiB chunks forever, counting how many were pulled. */
function endlessStream(prefix: Uint8Array) {
  const state = { pulls: 0, cancelled: false };
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      const chunk = new Uint8Array(64 * 1024);
      if (state.pulls === 0) chunk.set(prefix);
      state.pulls++;
      controller.enqueue(chunk);
    },
    cancel() {
      state.cancelled = true;
    },
  });
  return { stream, state };
}

describe('validateCreateTaskAsync', () => {
  const pngBytes = png(640, 640);
  const wavBytes = wav({ durationSeconds: 4 });

  it('downloads URL media and inspects it like base64', async () => {
    const fetchImpl = serve({
      'https://cdn.test/face.png': () => respond(pngBytes),
      'https://cdn.test/voice.wav': () => respond(wavBytes),
    });
    const result = await validateCreateTaskAsync(
      { image: 'https://cdn.test/face.png', sound_file: 'https://cdn.test/voice.wav' },
      { fetch: fetchImpl },
    );
    expect(result).toMatchObject({
      ok: true,
      image: { format: 'png', width: 640, height: 640, bytes: pngBytes.length },
      audio: { format: 'wav', durationSeconds: 4 },
    });
    expect(fetchImpl.calls.sort()).toEqual(['https://cdn.test/face.png', 'https://cdn.test/voice.wav']);
  });

  it('judges a URL by content, not by its extension', async () => {
    const fetchImpl = serve({
      'https://cdn.test/photo.png': () => respond(jpeg(500, 500)),
      'https://cdn.test/photo.jpg': () => respond(gif(500, 500)),
    });
    const jpegAsPng = await validateCreateTaskAsync(
      { image: 'https://cdn.test/photo.png', audio_id: 'a' },
      { fetch: fetchImpl },
    );
    expect(jpegAsPng).toMatchObject({ ok: true, image: { format: 'jpeg' } });
    const gifAsJpg = await validateCreateTaskAsync(
      { image: 'https://cdn.test/photo.jpg', audio_id: 'a' },
      { fetch: fetchImpl },
    );
    expect(codes(gifAsJpg.problems)).toEqual(['image_format']);
  });

  it('reports non-2xx answers, network errors and timeouts as url_unreachable', async () => {
    const fetchImpl = serve({
      'https://cdn.test/boom': () =>
        Promise.reject(new TypeError('fetch failed', { cause: new Error('ECONNREFUSED') })),
      'https://cdn.test/slow': () => new Promise<Response>(() => {}),
    });
    const slowFetch = (async (input: string | URL | Request, init?: RequestInit) =>
      String(input).endsWith('/slow')
        ? new Promise<Response>((_, reject) =>
            init!.signal!.addEventListener('abort', () => reject(init!.signal!.reason)),
          )
        : fetchImpl(input, init)) as FetchFn;
    const result = await validateCreateTaskAsync(
      { image: 'https://cdn.test/missing.png', sound_file: 'https://cdn.test/boom' },
      { fetch: fetchImpl },
    );
    expect(result.problems).toEqual([
      {
        path: 'image',
        code: 'url_unreachable',
        message: expect.stringContaining('could not be downloaded (HTTP 404)'),
        apiMessage: 'image url can not be accessed',
      },
      {
        path: 'sound_file',
        code: 'url_unreachable',
        message: expect.stringContaining('network error: fetch failed (ECONNREFUSED)'),
        apiMessage: 'sound_file url can not be accessed',
      },
    ]);
    const slow = await validateCreateTaskAsync(
      { image: 'https://cdn.test/slow', audio_id: 'a' },
      { fetch: slowFetch, timeoutMs: 50 },
    );
    expect(slow.problems).toMatchObject([
      { code: 'url_unreachable', message: expect.stringContaining('timed out after 50 ms') },
    ]);
  });

  it('stops reading an oversized body at the cap and reports it too large', async () => {
    const { stream, state } = endlessStream(png(1000, 1000).subarray(0, 64));
    const fetchImpl = serve({ 'https://cdn.test/huge.png': () => new Response(stream) });
    const result = await validateCreateTaskAsync(
      { image: 'https://cdn.test/huge.png', audio_id: 'a' },
      { fetch: fetchImpl },
    );
    expect(result.problems).toMatchObject([
      { code: 'image_too_large', message: expect.stringContaining('stopped reading after 10485761 bytes') },
    ]);
    expect(result.image).toMatchObject({
      format: 'png',
      width: 1000,
      height: 1000,
      bytes: LIMITS.image.maxBytes + 1,
    });
    expect(state.cancelled).toBe(true);
    // The stream may have queued one chunk ahead of the reader, never more.
    expect(state.pulls * 64 * 1024).toBeLessThanOrEqual(LIMITS.image.maxBytes + 3 * 64 * 1024);
  });

  it('trusts a Content-Length over the limit and reads only the head of the body', async () => {
    const { stream, state } = endlessStream(wavBytes.subarray(0, 64));
    const fetchImpl = serve({
      'https://cdn.test/long.wav': () =>
        new Response(stream, { headers: { 'content-length': String(50 * MiB) } }),
    });
    const result = await validateCreateTaskAsync(
      { image: IMAGE, sound_file: 'https://cdn.test/long.wav' },
      { fetch: fetchImpl },
    );
    expect(result.problems).toMatchObject([{ code: 'audio_too_large' }]);
    expect(result.audio).toMatchObject({ format: 'wav', bytes: 50 * MiB });
    expect(result.audio?.durationSeconds).toBeUndefined();
    expect(state.pulls).toBeLessThanOrEqual(3);
  });

  it('does not probe without a fetch unless asked, and refuses to probe without one', async () => {
    expect(await validateCreateTaskAsync({ image: 'https://cdn.test/x.png', audio_id: 'a' })).toEqual({
      ok: true,
      problems: [],
    });
    await expect(validateCreateTaskAsync({ image: IMAGE }, { probeUrls: true })).rejects.toThrow(TypeError);
    const fetchImpl = serve({});
    expect(
      (
        await validateCreateTaskAsync(
          { image: 'https://cdn.test/x.png', audio_id: 'a' },
          { fetch: fetchImpl, probeUrls: false },
        )
      ).ok,
    ).toBe(true);
    expect(fetchImpl.calls).toEqual([]);
  });

  it('rejects when the caller aborts', async () => {
    const controller = new AbortController();
    const fetchImpl = (async (_input: string | URL | Request, init?: RequestInit) =>
      new Promise<Response>((_, reject) =>
        init!.signal!.addEventListener('abort', () => reject(init!.signal!.reason)),
      )) as FetchFn;
    const pending = validateCreateTaskAsync(
      { image: 'https://cdn.test/x', audio_id: 'a' },
      { fetch: fetchImpl, signal: controller.signal },
    );
    controller.abort(new Error('user cancelled'));
    await expect(pending).rejects.toThrow('user cancelled');
  });
});

describe('fetchMediaBytes', () => {
  it('waits as long as Kling does by default (10 s, from LIMITS)', () => {
    expect(DEFAULT_MEDIA_TIMEOUT_MS).toBe(LIMITS.mediaUrlTimeoutMs);
    expect(LIMITS.mediaUrlTimeoutMs).toBe(10_000);
  });

  it('returns the whole body under the cap', async () => {
    const body = new Uint8Array(1000).fill(7);
    const result = await fetchMediaBytes('https://x.test/a', {
      fetch: (async () => new Response(body, { headers: { 'content-type': 'image/png' } })) as FetchFn,
      maxBytes: 1000,
    });
    expect(result).toEqual({
      ok: true,
      bytes: body,
      totalBytes: 1000,
      complete: true,
      status: 200,
      contentType: 'image/png',
    });
  });

  it('marks a body of maxBytes + 1 as incomplete', async () => {
    const result = await fetchMediaBytes('https://x.test/a', {
      fetch: (async () => new Response(new Uint8Array(1001))) as FetchFn,
      maxBytes: 1000,
    });
    expect(result).toMatchObject({ ok: true, totalBytes: 1001, complete: false });
    expect(result.ok && result.bytes.length).toBe(1001);
  });
});

// ---------------------------------------------------------------------------------------------------

describe('validateTtsRequest', () => {
  it('fills defaults and normalises the speed as the API does', () => {
    expect(validateTtsRequest({ text: 'Hello', voice_id: 'oversea_male1' })).toEqual({
      ok: true,
      problems: [],
      value: { text: 'Hello', voice_id: 'oversea_male1', voice_language: 'zh', voice_speed: 1 },
    });
    expect(
      validateTtsRequest({ text: 'x', voice_id: 'v', voice_language: 'en', voice_speed: 1.26 }).value,
    ).toMatchObject({
      voice_language: 'en',
      voice_speed: 1.3,
    });
    expect(normalizeVoiceSpeed(0.5)).toBe(0.8);
    expect(normalizeVoiceSpeed(2.04)).toBe(2);
    expect(normalizeVoiceSpeed(2.5)).toBe(2);
    expect(normalizeVoiceSpeed(0.84)).toBe(0.8);
  });

  it('allows 1000 characters of text and rejects 1001', () => {
    expect(validateTtsRequest({ text: 'a'.repeat(1000), voice_id: 'v' }).ok).toBe(true);
    expect(validateTtsRequest({ text: 'a'.repeat(1001), voice_id: 'v' }).problems).toMatchObject([
      { path: 'text', code: 'tts_text_too_long', apiMessage: 'text length must not exceed 1000 characters' },
    ]);
  });

  it('reports every problem, in field order', () => {
    expect(
      validateTtsRequest({ voice_id: '', voice_language: 'fr', voice_speed: '1.0' }).problems,
    ).toMatchObject([
      { code: 'tts_text_missing', apiMessage: 'text can not be null' },
      { code: 'tts_voice_id_missing', apiMessage: 'voice_id can not be null' },
      { code: 'tts_voice_language_invalid', apiMessage: 'voice_language must be one of zh, en' },
      { code: 'tts_voice_speed_invalid' },
    ]);
    expect(validateTtsRequest('text').problems).toMatchObject([{ code: 'body_invalid' }]);
    expect(validateTtsRequest({ text: 5, voice_id: 5 }).problems).toMatchObject([
      { code: 'field_type' },
      { code: 'field_type' },
    ]);
  });
});

describe('validateListQuery', () => {
  it('defaults absent values and accepts numbers and numeric strings at the limits', () => {
    expect(validateListQuery({})).toEqual({ ok: true, problems: [], pageNum: 1, pageSize: 30 });
    expect(validateListQuery(undefined)).toMatchObject({ ok: true, pageNum: 1, pageSize: 30 });
    expect(validateListQuery({ pageNum: '1000', pageSize: 500 })).toEqual({
      ok: true,
      problems: [],
      pageNum: 1000,
      pageSize: 500,
    });
    expect(validateListQuery({ pageNum: 1, pageSize: '1' })).toMatchObject({
      ok: true,
      pageNum: 1,
      pageSize: 1,
    });
    expect(validateListQuery({ pageNum: '', pageSize: null })).toMatchObject({
      ok: true,
      pageNum: 1,
      pageSize: 30,
    });
  });

  it('names the parameter and its range for anything else', () => {
    for (const pageNum of [0, 1001, '0', '1001', 2.5, '2.5', 'abc', '-1', ' 2', true, [1]]) {
      expect(validateListQuery({ pageNum }).problems).toMatchObject([
        {
          path: 'pageNum',
          code: 'page_num_invalid',
          apiMessage: 'pageNum must be an integer between 1 and 1000',
        },
      ]);
    }
    expect(validateListQuery({ pageSize: 501 })).toMatchObject({
      ok: false,
      pageSize: 30,
      problems: [{ code: 'page_size_invalid', apiMessage: 'pageSize must be an integer between 1 and 500' }],
    });
  });
});

describe('account-state hooks (used by the sandbox)', () => {
  const base = { image: 'https://example.test/p.png', audio_id: 'tts-1' };
  it('reports an unknown audio_id in the audio slot and a taken external_task_id last', () => {
    const result = validateCreateTask(
      { ...base, mode: 'max', external_task_id: 'job-1' },
      { audioIdExists: () => false, externalTaskIdExists: (id) => id === 'job-1' },
    );
    expect(result.problems.map((problem) => problem.code)).toEqual([
      'audio_id_invalid',
      'mode_invalid',
      'external_task_id_duplicate',
    ]);
    expect(result.problems[0]!.apiMessage).toBe('audio_id is invalid or expired');
    expect(result.problems[2]!.apiMessage).toBe('external_task_id already exists: job-1');
  });

  it('passes when the account knows the audio id and the external id is free', () => {
    const result = validateCreateTask(
      { ...base, external_task_id: 'job-2' },
      { audioIdExists: (id) => id === 'tts-1', externalTaskIdExists: () => false },
    );
    expect(result).toMatchObject({ ok: true, problems: [] });
  });
});
