import { describe, expect, it, vi } from 'vitest';
import { MiB, png, toBase64, wav } from '../test/fixtures.js';

// Spy on the slice decoder byte-source.ts imports, to count exactly how many characters get decoded.
const decoded = vi.hoisted(() => ({ calls: 0, chars: 0 }));
vi.mock('./base64.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('./base64.js')>();
  return {
    ...original,
    decodeBase64Range: (value: string, start: number, end: number) => {
      decoded.calls++;
      decoded.chars += end - start;
      return original.decodeBase64Range(value, start, end);
    },
  };
});

const { base64Source } = await import('./byte-source.js');
const { inspectImage } = await import('./media-image.js');
const { inspectAudio } = await import('./media-audio.js');
const { validateCreateTask } = await import('./validate.js');

describe('base64Source decodes only what is read', () => {
  it('decodes one 4-character group per 3 bytes requested, rounded out to whole groups', () => {
    const source = base64Source(toBase64(new Uint8Array(10 * MiB)));
    decoded.calls = 0;
    decoded.chars = 0;
    source.read(5_000_001, 10);
    expect(decoded.calls).toBe(1);
    expect(decoded.chars).toBeLessThanOrEqual(20);
  });

  it('inspects a 10 MiB PNG and a 5 MiB WAV by decoding well under 1 KB of base64', () => {
    const image = toBase64(png(640, 480, { totalBytes: 10 * MiB }));
    const audio = toBase64(wav({ sampleRate: 22050, dataBytes: 5 * MiB - 44 }));
    decoded.chars = 0;
    expect(inspectImage(base64Source(image))).toMatchObject({ format: 'png', width: 640, height: 480 });
    expect(inspectAudio(base64Source(audio))).toMatchObject({ format: 'wav' });
    expect(decoded.chars).toBeLessThan(1024);
    decoded.chars = 0;
    expect(validateCreateTask({ image, sound_file: audio }).ok).toBe(true);
    expect(decoded.chars).toBeLessThan(1024);
  });
});
