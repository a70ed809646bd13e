import { describe, expect, it } from 'vitest';
import { AUDIO_DURATION_HISTORY, estimateUnits, formatUnits, LIMITS } from './limits.js';

describe('limits table', () => {
  it('matches the API reference for every documented limit', () => {
    expect(LIMITS.image.maxBytes).toBe(10 * 1024 * 1024);
    expect(LIMITS.image.minSidePx).toBe(300);
    expect(LIMITS.image.minAspectRatio).toBeCloseTo(0.4);
    expect(LIMITS.image.maxAspectRatio).toBe(2.5);
    expect(LIMITS.audio.maxBytes).toBe(5 * 1024 * 1024);
    expect([LIMITS.audio.minDurationSeconds, LIMITS.audio.maxDurationSeconds]).toEqual([2, 300]);
    expect(LIMITS.prompt.maxLength).toBe(2500);
    expect(LIMITS.list.pageNum).toMatchObject({ min: 1, max: 1000, default: 1 });
    expect(LIMITS.list.pageSize).toMatchObject({ min: 1, max: 500, default: 30 });
    expect(LIMITS.tts.text.maxLength).toBe(1000);
    expect(LIMITS.tts.voiceSpeed).toMatchObject({ min: 0.8, max: 2 });
  });

  it('uses the current 2–300 s audio limit, not the pre-2025-12-04 2–60 s one', () => {
    const current = AUDIO_DURATION_HISTORY[AUDIO_DURATION_HISTORY.length - 1]!;
    expect(current.maxSeconds).toBe(LIMITS.audio.maxDurationSeconds);
    expect(AUDIO_DURATION_HISTORY[0].maxSeconds).toBe(60);
  });

  it('estimates units as Kling bills them', () => {
    expect(formatUnits(estimateUnits(12.04, 'std'))).toBe('4.8');
    expect(formatUnits(estimateUnits(12.5, 'pro'))).toBe('10.4');
    expect(formatUnits(estimateUnits(5, 'std'))).toBe('2');
  });
});
