import { describe, expect, it } from 'vitest';
import { LIMITS } from './limits.js';
import { checkAudio, checkImage } from './media-check.js';

const MAX_IMAGE = LIMITS.image.maxBytes;
const MAX_AUDIO = LIMITS.audio.maxBytes;
const codes = (problems: { code: string }[]) => problems.map((problem) => problem.code);

describe('checkImage', () => {
  const ok = { format: 'png' as const, width: 1000, height: 1000, bytes: 1000 };

  it('accepts PNG and JPEG within every limit', () => {
    expect(checkImage(ok)).toEqual([]);
    expect(checkImage({ ...ok, format: 'jpeg' })).toEqual([]);
  });

  it('allows exactly 10 MiB and rejects one byte more', () => {
    expect(checkImage({ ...ok, bytes: MAX_IMAGE })).toEqual([]);
    expect(checkImage({ ...ok, bytes: MAX_IMAGE + 1 })).toEqual([
      {
        path: 'image',
        code: 'image_too_large',
        message:
          'image: 10 MB (10485761 bytes) is over the 10 MB (10485760 bytes) limit. Compress or resize the image below 10 MB.',
        apiMessage: 'image size must not exceed 10MB',
      },
    ]);
    expect(checkImage({ ...ok, bytes: 12_897_485 })[0]!.message).toMatch(
      /^image: 12\.3 MB \(12897485 bytes\) is over/,
    );
  });

  it('allows 300 px sides and rejects 299 px in either direction', () => {
    expect(checkImage({ ...ok, width: 300, height: 300 })).toEqual([]);
    for (const [width, height] of [
      [299, 300],
      [300, 299],
    ]) {
      const problems = checkImage({ ...ok, width: width!, height: height! });
      expect(codes(problems)).toEqual(['image_too_small']);
      expect(problems[0]!.apiMessage).toBe('image width and height must be at least 300px');
      expect(problems[0]!.message).toContain(`${width}×${height} px is below the 300 px minimum`);
    }
  });

  it('allows an aspect ratio of exactly 2.5 in both orientations and rejects just over', () => {
    expect(checkImage({ ...ok, width: 750, height: 300 })).toEqual([]);
    expect(checkImage({ ...ok, width: 300, height: 750 })).toEqual([]);
    expect(checkImage({ ...ok, width: 2500, height: 1000 })).toEqual([]);
    for (const [width, height] of [
      [751, 300],
      [300, 751],
      [2501, 1000],
      [1000, 2501],
    ]) {
      const problems = checkImage({ ...ok, width: width!, height: height! });
      expect(codes(problems)).toEqual(['image_aspect_ratio']);
      expect(problems[0]!.apiMessage).toBe('image aspect ratio must be between 1:2.5 and 2.5:1');
    }
    expect(checkImage({ ...ok, width: 300, height: 751 })[0]!.message).toContain('aspect ratio of 1:2.5,');
    expect(checkImage({ ...ok, width: 900, height: 300 })[0]!.message).toContain('aspect ratio of 3:1');
  });

  it('names a wrong format with its size, and still checks the byte limit', () => {
    expect(checkImage({ format: 'webp', width: 800, height: 600, bytes: MAX_IMAGE + 1 })).toMatchObject([
      {
        code: 'image_format',
        message: expect.stringContaining('is WebP (800×600 px), not JPEG or PNG'),
        apiMessage: 'image format must be jpg, jpeg or png',
      },
      { code: 'image_too_large' },
    ]);
    expect(checkImage({ format: 'unknown', bytes: 10 })[0]!.message).toContain('is not a recognised image');
  });

  it('reports a PNG or JPEG whose dimensions cannot be read as unreadable', () => {
    expect(checkImage({ format: 'jpeg', bytes: 100 })).toMatchObject([
      { code: 'image_unreadable', apiMessage: 'image format must be jpg, jpeg or png' },
    ]);
  });

  it('reports several problems at once in rule order, under the given field name', () => {
    const problems = checkImage({ format: 'png', width: 200, height: 600, bytes: MAX_IMAGE * 2 }, 'portrait');
    expect(codes(problems)).toEqual(['image_too_large', 'image_too_small', 'image_aspect_ratio']);
    expect(
      problems.every((problem) => problem.path === 'portrait' && problem.message.startsWith('portrait: ')),
    ).toBe(true);
  });

  it('words a size cap hit during download as a lower bound', () => {
    const [problem] = checkImage({ format: 'png', width: 500, height: 500, bytes: MAX_IMAGE + 1 }, 'image', {
      partial: true,
    });
    expect(problem!.message).toBe(
      'image: the download passed the 10 MB (10485760 bytes) limit (stopped reading after 10485761 bytes). Compress or resize the image below 10 MB.',
    );
  });
});

describe('checkAudio', () => {
  const ok = { format: 'wav' as const, durationSeconds: 10, bytes: 1000 };

  it('accepts each Kling audio format', () => {
    for (const format of ['mp3', 'wav', 'm4a', 'aac'] as const)
      expect(checkAudio({ ...ok, format })).toEqual([]);
  });

  it('allows 2 s and 300 s exactly, and rejects 1.99 s and 300.1 s', () => {
    expect(checkAudio({ ...ok, durationSeconds: 2 })).toEqual([]);
    expect(checkAudio({ ...ok, durationSeconds: 300 })).toEqual([]);
    expect(checkAudio({ ...ok, durationSeconds: 1.99 })).toEqual([
      {
        path: 'sound_file',
        code: 'audio_duration',
        message:
          'sound_file: 1.99 s is shorter than the 2 s minimum (allowed 2–300 s). Use longer audio or pad it with silence.',
        apiMessage: 'sound_file duration must be between 2s and 300s',
      },
    ]);
    expect(checkAudio({ ...ok, durationSeconds: 300.1 })[0]!.message).toBe(
      'sound_file: 300.1 s is longer than the 300 s maximum (allowed 2–300 s). Trim or split the audio.',
    );
    // Never round a failing duration onto the limit in the message.
    expect(checkAudio({ ...ok, durationSeconds: 1.9999 })[0]!.message).toContain('2 s is shorter');
    expect(checkAudio({ ...ok, durationSeconds: 1.999 })[0]!.message).toContain('1.999 s is shorter');
  });

  it('allows exactly 5 MiB and rejects one byte more', () => {
    expect(checkAudio({ ...ok, bytes: MAX_AUDIO })).toEqual([]);
    expect(checkAudio({ ...ok, bytes: MAX_AUDIO + 1 })).toMatchObject([
      {
        code: 'audio_too_large',
        message: expect.stringMatching(
          /^sound_file: 5 MB \(5242881 bytes\) is over the 5 MB \(5242880 bytes\) limit\./,
        ),
        apiMessage: 'sound_file size must not exceed 5MB',
      },
    ]);
  });

  it('rejects other formats by name, and unreadable accepted ones', () => {
    expect(checkAudio({ format: 'ogg', bytes: 10 })).toMatchObject([
      { code: 'audio_format', message: expect.stringContaining('is Ogg, not MP3, WAV, M4A or AAC') },
    ]);
    expect(checkAudio({ format: 'flac', bytes: 10, durationSeconds: 500 })).toMatchObject([
      { code: 'audio_format' },
    ]);
    expect(checkAudio({ format: 'mp3', bytes: 10 })).toMatchObject([
      { code: 'audio_unreadable', apiMessage: 'sound_file format must be mp3, wav, m4a or aac' },
    ]);
  });

  it('skips duration rules for a partial download', () => {
    expect(
      codes(checkAudio({ format: 'mp3', bytes: MAX_AUDIO + 1 }, 'sound_file', { partial: true })),
    ).toEqual(['audio_too_large']);
  });
});
