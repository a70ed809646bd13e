import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  base64DecodedLength,
  base64Problem,
  classifyMediaValue,
  dataUriPrefix,
  decodeBase64,
  decodeBase64Range,
  encodeBase64,
  findInvalidBase64Char,
  normalizeBase64,
  parseHttpUrl,
} from './base64.js';

const NAIVE_INVALID = /[^A-Za-z0-9+/]/;

function naiveFirstInvalid(value: string): number {
  const match = NAIVE_INVALID.exec(value);
  return match ? match.index : -1;
}

describe('encodeBase64 / decodeBase64', () => {
  it('matches Buffer for every length around the 3-byte group and chunk boundaries', () => {
    for (const length of [0, 1, 2, 3, 4, 5, 49151, 49152, 49153, 100_000]) {
      const bytes = Uint8Array.from({ length }, (_, index) => (index * 131 + 7) & 0xff);
      const expected = Buffer.from(bytes).toString('base64');
      expect(encodeBase64(bytes)).toBe(expected);
      expect(Buffer.from(decodeBase64(expected)).equals(Buffer.from(bytes))).toBe(true);
    }
  });

  it('round-trips arbitrary bytes (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (bytes) => {
        const encoded = encodeBase64(bytes);
        expect(encoded).toBe(Buffer.from(bytes).toString('base64'));
        expect(decodeBase64(encoded)).toEqual(bytes);
      }),
    );
  });

  it('decodes unpadded and URL-safe input, and rejects other characters', () => {
    expect(Array.from(decodeBase64('-_8'))).toEqual([0xfb, 0xff]);
    expect(Array.from(decodeBase64('+/8='))).toEqual([0xfb, 0xff]);
    expect(Array.from(decodeBase64('QQ'))).toEqual([0x41]);
    expect(() => decodeBase64('QU JD')).toThrow(TypeError);
    expect(() => decodeBase64('QU\nD')).toThrow(/line break/);
    expect(() => decodeBase64('Q')).toThrow(/lone trailing/);
    expect(() => decodeBase64('QQ==QQ==')).toThrow(TypeError);
    expect(() => decodeBase64('QUé=')).toThrow(TypeError);
  });

  it('decodes a range of groups without looking outside it', () => {
    const text = 'QUJD' + 'REVG' + '!!!!';
    expect(Buffer.from(decodeBase64Range(text, 4, 8)).toString()).toBe('DEF');
  });
});

describe('classifyMediaValue', () => {
  it('classifies the empty string as empty (whitespace is not empty: it is invalid base64)', () => {
    expect(classifyMediaValue('')).toEqual({ kind: 'empty' });
    expect(classifyMediaValue('  ').kind).toBe('invalid-base64');
  });

  it('recognises absolute http(s) URLs in any scheme case', () => {
    expect(classifyMediaValue('https://example.com/a.png')).toEqual({
      kind: 'url',
      url: 'https://example.com/a.png',
    });
    expect(classifyMediaValue('HTTP://Example.com/a')).toEqual({ kind: 'url', url: 'http://example.com/a' });
    expect(classifyMediaValue('ftp://example.com/a').kind).toBe('invalid-base64');
    expect(classifyMediaValue('//example.com/a').kind).toBe('invalid-base64');
  });

  it('explains an http(s)-looking value that does not parse', () => {
    const result = classifyMediaValue('http://');
    expect(result).toEqual({
      kind: 'invalid-base64',
      reason: expect.stringMatching(/not a valid absolute URL/),
    });
    expect(classifyMediaValue('https://exa mple.com/').kind).toBe('invalid-base64');
  });

  it('detects data: URIs and their MIME type', () => {
    expect(classifyMediaValue('data:image/png;base64,iVBORw0KGgo=')).toEqual({
      kind: 'data-uri',
      mimeType: 'image/png',
    });
    expect(classifyMediaValue('DATA:;base64,AAAA')).toEqual({ kind: 'data-uri' });
    expect(dataUriPrefix('data:audio/mpeg;base64,SUQz')).toBe('data:audio/mpeg;base64,');
    expect(dataUriPrefix('iVBOR')).toBeUndefined();
  });

  it('accepts padded and unpadded standard base64', () => {
    for (const value of ['QUJD', 'QUI=', 'QQ==', 'QUI', 'QQ', 'ab+/09AZ']) {
      expect(classifyMediaValue(value)).toEqual({ kind: 'base64' });
    }
  });

  it.each([
    ['QUJD\nREVG', /line break at character 4/],
    ['QUJD REVG', /a space at character 4/],
    ['QUJD\tREVG', /a tab/],
    ['QUJ-', /URL-safe alphabet/],
    ['QUJ_', /URL-safe alphabet/],
    ['QU=D', /padding in the middle/],
    ['QUJD!', /"!" at character 4/],
    ['QUJDé', /"é" at character 4/],
    ['QUJD😀', /"😀"/],
    ['QUJD\u0000', /control character U\+0000/],
    ['QQ===', /3 "=" characters/],
    ['QUJDR', /4n\+1/],
    ['QUI==', /multiple of 4/],
    ['=', /multiple of 4/],
  ])('rejects %j', (value, reason) => {
    const result = classifyMediaValue(value);
    expect(result.kind).toBe('invalid-base64');
    expect(result.kind === 'invalid-base64' && result.reason).toMatch(reason);
  });

  it('finds a bad character at every position around the scanner chunk boundaries', () => {
    const clean = 'A'.repeat(16384 * 3 + 8);
    for (const position of [
      0,
      1,
      16382,
      16383,
      16384,
      16385,
      32767,
      32768,
      clean.length - 2,
      clean.length - 1,
    ]) {
      for (const bad of ['!', '\n', '=', 'é', '\u{1F600}', '\u0100']) {
        const value = clean.slice(0, position) + bad + clean.slice(position + 1);
        expect(findInvalidBase64Char(value)).toBe(position);
      }
    }
    expect(findInvalidBase64Char(clean)).toBe(-1);
  });

  it('agrees with a naive regex scan on arbitrary strings (property)', () => {
    const alphabetHeavy = fc.string({
      unit: fc.oneof(
        { weight: 20, arbitrary: fc.constantFrom(...'ABCXYZabcxyz0189+/') },
        {
          weight: 1,
          arbitrary: fc.constantFrom('=', '-', '_', ' ', '\n', 'é', '\u{1F600}', '\uD800', '\u00FF'),
        },
      ),
      maxLength: 300,
    });
    fc.assert(
      fc.property(alphabetHeavy, (value) => {
        expect(findInvalidBase64Char(value)).toBe(naiveFirstInvalid(value));
      }),
    );
  });

  it('classifies every encodeBase64 output as base64 with a matching decoded length (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 3000 }), fc.boolean(), (bytes, stripPadding) => {
        let encoded = encodeBase64(bytes);
        if (stripPadding) encoded = encoded.replace(/=+$/, '');
        expect(classifyMediaValue(encoded)).toEqual({ kind: 'base64' });
        expect(base64DecodedLength(encoded)).toBe(bytes.length);
        expect(decodeBase64(encoded).length).toBe(bytes.length);
      }),
    );
  });

  it('classifies every web URL as a URL and never as base64 (property)', () => {
    fc.assert(
      // Plain webUrl: the query/fragment variants take ~3 s just to build their generator.
      fc.property(fc.webUrl(), (url) => {
        expect(classifyMediaValue(url).kind).toBe('url');
        // ':' is outside the alphabet, so a URL can never also pass as base64.
        expect(base64Problem(url)).toBeDefined();
      }),
    );
  });

  it('gives exactly one consistent kind for any string (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (value) => {
        const kind = classifyMediaValue(value).kind;
        expect(kind === 'url').toBe(parseHttpUrl(value) !== undefined);
        expect(kind === 'base64').toBe(
          !/^https?:\/\//i.test(value) &&
            !/^data:/i.test(value) &&
            value !== '' &&
            base64Problem(value) === undefined,
        );
      }),
    );
  });
});

describe("base64Problem(value, 'sampled')", () => {
  const long = encodeBase64(new Uint8Array(3 * 1024 * 1024).map((_, index) => (index * 131 + 7) & 0xff));
  const withCharAt = (value: string, position: number, bad: string) =>
    value.slice(0, position) + bad + value.slice(position + 1);

  it('checks values up to 32 Ki characters completely, like full (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 32768 }),
        fc.nat(),
        fc.constantFrom('!', '\n', '-', '_', '=', 'é'),
        (length, at, bad) => {
          const value = withCharAt('QUJD'.repeat(8192).slice(0, length), at % length, bad);
          expect(base64Problem(value, 'sampled')).toBe(base64Problem(value, 'full'));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('accepts long valid base64 and rejects what goes wrong in practice anywhere near its ends', () => {
    expect(long.length).toBe(4 * 1024 * 1024);
    expect(base64Problem(long, 'sampled')).toBeUndefined();
    const wrapped = long.slice(0, 200_000).replace(/.{76}/g, '$&\n');
    expect(base64Problem(wrapped, 'sampled')).toMatch(/line break at character 76/);
    const urlSafe = long.replace(/\+/g, '-').replace(/\//g, '_');
    expect(base64Problem(urlSafe, 'sampled')).toMatch(/URL-safe alphabet/);
    for (const position of [0, 16383, long.length - 16384, long.length - 1]) {
      expect(base64Problem(withCharAt(long, position, '!'), 'sampled')).toMatch(
        new RegExp(`"!" at character ${position}`),
      );
    }
    // Length and padding rules stay exact whatever is sampled.
    expect(base64Problem(`${long}A`, 'sampled')).toMatch(/4n\+1/);
    expect(base64Problem(`${long.slice(0, -1)}===`, 'sampled')).toMatch(/3 "=" characters/);
  });

  it('finds a systematic error in the middle: text spliced into a long value', () => {
    const spliced = `${long.slice(0, 2_000_000)}${'not base64 at all! '.repeat(2000)}${long.slice(2_000_000)}`;
    expect(base64Problem(spliced, 'sampled')).toMatch(/(a space|"!") at character 2\d{6}/);
  });

  it('can miss one corrupted character deep inside a long value, which full catches', () => {
    // The documented trade-off of Base64Check: Kling would answer 1201 (not billed) for this value.
    const missed = Array.from({ length: 64 }, (_, index) => 40_000 + index * 61_001).filter(
      (position) => base64Problem(withCharAt(long, position, '!'), 'sampled') === undefined,
    );
    expect(missed.length).toBeGreaterThan(0);
    for (const position of missed) {
      expect(base64Problem(withCharAt(long, position, '!'), 'full')).toMatch(`at character ${position}`);
    }
  });
});

describe('normalizeBase64', () => {
  it('strips a data: prefix, whitespace and line breaks, maps URL-safe chars and fixes padding', () => {
    expect(normalizeBase64('data:image/png;base64,QUJD\nREVG\r\n')).toBe('QUJDREVG');
    expect(normalizeBase64('  QQ  ')).toBe('QQ==');
    expect(normalizeBase64('-_8')).toBe('+/8=');
    expect(normalizeBase64('QUI===')).toBe('QUI=');
    expect(normalizeBase64('QUJD')).toBe('QUJD');
  });

  it('turns MIME-wrapped base64 into something classifyMediaValue accepts', () => {
    const bytes = Uint8Array.from({ length: 500 }, (_, index) => index & 0xff);
    const wrapped = Buffer.from(bytes)
      .toString('base64')
      .replace(/(.{76})/g, '$1\r\n');
    expect(classifyMediaValue(wrapped).kind).toBe('invalid-base64');
    const normalized = normalizeBase64(wrapped);
    expect(classifyMediaValue(normalized)).toEqual({ kind: 'base64' });
    expect(decodeBase64(normalized)).toEqual(bytes);
  });
});

describe('base64DecodedLength', () => {
  it('counts bytes from length and padding', () => {
    expect(base64DecodedLength('')).toBe(0);
    expect(base64DecodedLength('QQ==')).toBe(1);
    expect(base64DecodedLength('QQ')).toBe(1);
    expect(base64DecodedLength('QUI=')).toBe(2);
    expect(base64DecodedLength('QUJD')).toBe(3);
    expect(base64DecodedLength('A'.repeat(14_000_000))).toBe(10_500_000);
  });
});
