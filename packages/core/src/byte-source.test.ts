import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { base64Source, bytesSource } from './byte-source.js';

function pattern(length: number): Uint8Array {
  return Uint8Array.from({ length }, (_, index) => (index * 37 + 11) & 0xff);
}

describe('bytesSource', () => {
  it('returns the requested range, fewer bytes at the end and none past it', () => {
    const source = bytesSource(pattern(10));
    expect(source.size).toBe(10);
    expect(Array.from(source.read(2, 3))).toEqual(Array.from(pattern(10).subarray(2, 5)));
    expect(source.read(8, 100).length).toBe(2);
    expect(source.read(10, 4).length).toBe(0);
    expect(source.read(50, 4).length).toBe(0);
    expect(source.read(-5, 2).length).toBe(2);
    expect(source.read(Number.NaN, 1).length).toBe(1);
    expect(source.read(0, -1).length).toBe(0);
  });
});

describe('base64Source', () => {
  it('computes the size from length and padding without decoding', () => {
    for (const length of [0, 1, 2, 3, 4, 5, 6, 1000, 1001, 1002]) {
      const encoded = Buffer.from(pattern(length)).toString('base64');
      expect(base64Source(encoded).size).toBe(length);
      expect(base64Source(encoded.replace(/=+$/, '')).size).toBe(length);
    }
  });

  it('matches Buffer decoding for every offset and length (property)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 400 }),
        fc.boolean(),
        fc.nat(450),
        fc.nat(450),
        (bytes, unpadded, offset, length) => {
          let encoded = Buffer.from(bytes).toString('base64');
          if (unpadded) encoded = encoded.replace(/=+$/, '');
          const source = base64Source(encoded);
          const expected = bytes.subarray(
            Math.min(offset, bytes.length),
            Math.min(bytes.length, offset + length),
          );
          expect(Array.from(source.read(offset, length))).toEqual(Array.from(expected));
        },
      ),
    );
  });

  it('ignores a dangling 4n+1th character instead of failing on it', () => {
    const source = base64Source('QUJDR');
    expect(source.size).toBe(3);
    expect(Buffer.from(source.read(0, 10)).toString()).toBe('ABC');
  });

  it('reads the middle of a 14 MB string without decoding the rest (invalid characters elsewhere never seen)', () => {
    // Everything outside the slice is "!", which the decoder rejects: a whole-payload decode would throw.
    const size = 10_500_000;
    const middle = Buffer.from('Kling avatar').toString('base64'); // 12 bytes = 16 chars
    const startChar = 7_000_000; // a multiple of 4: byte offset 5_250_000
    const text = '!'.repeat(startChar) + middle + '!'.repeat((size / 3) * 4 - startChar - middle.length);
    const source = base64Source(text);
    expect(source.size).toBe(size);
    expect(Buffer.from(source.read(5_250_000, 12)).toString()).toBe('Kling avatar');
    expect(Buffer.from(source.read(5_250_003, 5)).toString()).toBe('ng av');
    expect(() => source.read(0, 1)).toThrow(TypeError);
  });
});
