import { describe, expect, it } from 'vitest';
import { formatAspect, formatBytes, formatSeconds, formatTable, parseDuration } from './format.js';

describe('format helpers', () => {
  it('parses durations with and without units', () => {
    expect(parseDuration('90')).toBe(90_000);
    expect(parseDuration('1500ms')).toBe(1500);
    expect(parseDuration('15m')).toBe(900_000);
    expect(parseDuration('1.5s')).toBe(1500);
    expect(parseDuration('2h')).toBe(7_200_000);
    expect(parseDuration('soon')).toBeUndefined();
  });

  it('aligns table columns without trailing spaces', () => {
    expect(
      formatTable(
        ['A', 'NUM', 'PATH'],
        [
          ['long-name', '1.5', '/x'],
          ['b', '12', '/yy'],
        ],
        ['left', 'right'],
      ),
    ).toBe(['A          NUM  PATH', 'long-name  1.5  /x', 'b           12  /yy'].join('\n'));
  });

  it('names sizes, seconds and ratios the way people read them', () => {
    expect(formatBytes(590)).toBe('590 bytes');
    expect(formatBytes(48_044)).toBe('46.9 KB (48,044 bytes)');
    expect(formatBytes(10 * 1024 * 1024)).toBe('10 MB (10,485,760 bytes)');
    expect(formatSeconds(4.2)).toBe('4.20 s');
    expect(formatSeconds(125)).toBe('2 min 5 s');
    expect(formatAspect(1080, 1920)).toBe('9:16 (0.56)');
    expect(formatAspect(1000, 301)).toBe('3.32:1');
  });
});
