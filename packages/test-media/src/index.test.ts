/** The shared media must be what core (and so the sandbox and Kling) reads them to be. */
import { bytesSource, checkAudio, checkImage, inspectAudio, inspectImage } from '@kling-avatar/core';
import { describe, expect, it } from 'vitest';
import { png, portraitPng, wav } from './index.js';

describe('test media', () => {
  it('png and portraitPng are PNGs of the asked size that pass the image limits', () => {
    for (const [bytes, width, height] of [
      [png(320, 400), 320, 400],
      [png(300, 750, [1, 2, 3]), 300, 750],
      [portraitPng(), 512, 640],
      [portraitPng(400, 500), 400, 500],
    ] as const) {
      const info = inspectImage(bytesSource(bytes));
      expect(info).toMatchObject({ format: 'png', width, height });
      expect(checkImage(info)).toEqual([]);
    }
    expect(checkImage(inspectImage(bytesSource(png(299, 400))))).not.toEqual([]);
  });

  it('wav lasts the asked time at any sample rate, warbling or not', () => {
    for (const [seconds, options] of [
      [2.2, {}],
      [3, { sampleRate: 8000, frequency: 440 }],
      [2.5, { warble: true }],
    ] as const) {
      const info = inspectAudio(bytesSource(wav(seconds, options)));
      expect(info.format).toBe('wav');
      expect(info.durationSeconds).toBeCloseTo(seconds, 3);
      expect(checkAudio(info)).toEqual([]);
    }
    expect(checkAudio(inspectAudio(bytesSource(wav(1.5))))).not.toEqual([]);
  });
});
