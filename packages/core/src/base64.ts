/**
 * Base64 helpers that never need `Buffer` or `atob` (the portable entry runs inside an n8n node whose
 * lint bans Node globals) and never decode a whole 14 MB payload just to check it.
 */

export type MediaValueKind =
  | { kind: 'empty' }
  | { kind: 'url'; url: string }
  | { kind: 'data-uri'; mimeType?: string }
  | { kind: 'base64' }
  | { kind: 'invalid-base64'; reason: string };

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const EQUALS = 61; // '='

/** Characters scanned per `encodeInto` call: small enough that scratch + pair table stay in cache. */
const SCAN_CHUNK_CHARS = 16384;

const HTTP_PREFIX = /^https?:\/\//i;
const DATA_PREFIX = /^data:/i;

/** 1 for every byte that is not in the standard alphabet (so `=`, `-`, `_`, whitespace, ≥ 0x80 are 1). */
function buildInvalidByteTable(): Uint8Array {
  const table = new Uint8Array(256).fill(1);
  for (let index = 0; index < ALPHABET.length; index++) table[ALPHABET.charCodeAt(index)] = 0;
  return table;
}

/**
 * The same flag for two bytes at once, indexed by a 16-bit word. Halving the loop iterations is what
 * makes the scan ~2x faster than a byte loop and several times faster than a regex (see
 * bench/core-validate.bench.mjs). Symmetric, so the platform endianness of the Uint16Array view does not matter.
 */
function buildInvalidPairTable(single: Uint8Array): Uint8Array {
  const table = new Uint8Array(65536);
  for (let word = 0; word < 65536; word++) table[word] = single[word & 0xff]! | single[word >>> 8]!;
  return table;
}

function buildDecodeTable(): Int8Array {
  const table = new Int8Array(128).fill(-1);
  for (let index = 0; index < ALPHABET.length; index++) table[ALPHABET.charCodeAt(index)] = index;
  // Decoding also accepts the URL-safe alphabet; validation (`classifyMediaValue`) does not.
  table['-'.charCodeAt(0)] = 62;
  table['_'.charCodeAt(0)] = 63;
  return table;
}

// Built once at import (~0.1 ms, 80 KB) so the hot loop never checks for a missing table.
const INVALID_BYTE = /* @__PURE__ */ buildInvalidByteTable();
const SCAN_SCRATCH = /* @__PURE__ */ new Uint8Array(SCAN_CHUNK_CHARS);
const SCAN_ENCODER = /* @__PURE__ */ new TextEncoder();
const SEXTET_OF = /* @__PURE__ */ buildDecodeTable();

function isStandardAlphabetChar(code: number): boolean {
  return code < 256 && INVALID_BYTE[code] === 0;
}

/**
 * Returns `count => OR of the pair flags of the first count 16-bit words of the scratch buffer`. The
 * table and buffer are captured by a closure on purpose: V8 then treats them as constants in the hot loop,
 * which measured ~2x faster than reading module variables (bundlers turn top-level `const` into `var`)
 * or passing them as arguments.
 */
function createPairScanner(pairTable: Uint8Array, words: Uint16Array): (count: number) => number {
  return (count) => {
    let invalid = 0;
    for (let index = 0; index < count; index++) invalid |= pairTable[words[index]!]!;
    return invalid;
  };
}

const orPairFlags = /* @__PURE__ */ createPairScanner(
  buildInvalidPairTable(INVALID_BYTE),
  new Uint16Array(SCAN_SCRATCH.buffer),
);

/**
 * Index of the first character in `value[start, end)` outside `A–Z a–z 0–9 + /`, or -1.
 * Copies 16K-character chunks to bytes with `TextEncoder.encodeInto` (a memcpy for ASCII strings) and
 * tests two bytes per table lookup; only a chunk that contains a bad character is rescanned per char.
 */
export function findInvalidBase64Char(value: string, start = 0, end = value.length): number {
  const encoder = SCAN_ENCODER;
  for (let chunkStart = start; chunkStart < end; chunkStart += SCAN_CHUNK_CHARS) {
    const chunkEnd = Math.min(end, chunkStart + SCAN_CHUNK_CHARS);
    const { read, written } = encoder.encodeInto(value.slice(chunkStart, chunkEnd), SCAN_SCRATCH);
    // A non-ASCII character takes 2–4 bytes, so it either shows up as a byte ≥ 0x80 or stops the copy early.
    let invalid = (read !== chunkEnd - chunkStart ? 1 : 0) | orPairFlags(written >>> 1);
    if (written & 1) invalid |= INVALID_BYTE[SCAN_SCRATCH[written - 1]!]!;
    if (invalid) {
      for (let index = chunkStart; index < chunkEnd; index++) {
        if (!isStandardAlphabetChar(value.charCodeAt(index))) return index;
      }
    }
  }
  return -1;
}

/**
 * How much of a long base64 value's alphabet `base64Problem` checks.
 * - `'full'`: every character (about 3 GB/s, so ~6 ms for a maximum 10 MB + 5 MB request).
 * - `'sampled'`: values up to 32 Ki characters completely; longer ones in their first and last 16 Ki
 *   characters plus one 256-character window in every 32 Ki (under 1 % of a 14 MB string). That finds
 *   what goes wrong in practice (line-wrapped or padded base64, the URL-safe alphabet, a path or text
 *   instead of base64, stray `=`), while the length, padding and media headers are still checked
 *   exactly. A lone corrupted character deep inside a long value can pass; Kling then answers 1201,
 *   which is not billed.
 */
export type Base64Check = 'full' | 'sampled';

const SAMPLE_EDGE_CHARS = 16 * 1024;
const SAMPLE_STRIDE_CHARS = 32 * 1024;
const SAMPLE_WINDOW_CHARS = 256;

/**
 * `findInvalidBase64Char` over the edges of `value[0, end)` and one window per stride in between. Each
 * window starts at a pseudo-random (but fixed) offset inside its stride, so an error that repeats with
 * the period of some chunk size cannot hide between evenly spaced windows.
 */
function findInvalidBase64CharSampled(value: string, end: number): number {
  if (end <= 2 * SAMPLE_EDGE_CHARS) return findInvalidBase64Char(value, 0, end);
  const head = findInvalidBase64Char(value, 0, SAMPLE_EDGE_CHARS);
  if (head >= 0) return head;
  const tailStart = end - SAMPLE_EDGE_CHARS;
  let jitter = 0x9e3779b9;
  for (let stride = SAMPLE_EDGE_CHARS; stride < tailStart; stride += SAMPLE_STRIDE_CHARS) {
    jitter = (Math.imul(jitter, 1664525) + 1013904223) >>> 0;
    const windowStart = stride + (jitter % (SAMPLE_STRIDE_CHARS - SAMPLE_WINDOW_CHARS));
    // Each window costs about one cache miss, so fewer, wider windows are cheaper than many narrow ones.
    const found = findInvalidBase64Char(
      value,
      windowStart,
      Math.min(tailStart, windowStart + SAMPLE_WINDOW_CHARS),
    );
    if (found >= 0) return found;
  }
  return findInvalidBase64Char(value, tailStart, end);
}

/** Number of trailing `=` characters (all of them, so `===` can be reported as too much padding). */
function trailingPadding(value: string): number {
  let count = 0;
  while (count < value.length && value.charCodeAt(value.length - 1 - count) === EQUALS) count++;
  return count;
}

function describeChar(value: string, index: number): string {
  const code = value.codePointAt(index) ?? 0;
  if (code === 10 || code === 13) return 'a line break';
  if (code === 32) return 'a space';
  if (code === 9) return 'a tab';
  if (code < 32 || code === 127)
    return `control character U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  return `"${String.fromCodePoint(code)}"`;
}

function invalidCharReason(value: string, index: number): string {
  const code = value.charCodeAt(index);
  const where = `at character ${index}`;
  if (code === 10 || code === 13 || code === 32 || code === 9) {
    return `contains ${describeChar(value, index)} ${where}; send the base64 as one line without whitespace`;
  }
  if (code === 45 || code === 95) {
    return `uses the URL-safe alphabet (${describeChar(value, index)} ${where}); replace - with + and _ with /`;
  }
  if (code === EQUALS) return `has "=" padding in the middle (${where}); padding may only end the value`;
  return `contains ${describeChar(value, index)} ${where}, which is not in the base64 alphabet (A–Z, a–z, 0–9, +, /)`;
}

/**
 * Why `value` is not raw standard base64, or `undefined` if it is. Rules: alphabet `A–Z a–z 0–9 + /`;
 * `=` only at the end, at most two, and only to complete a 4-character group; unpadded, a length of
 * 4n+1 is impossible. Whitespace is invalid because Kling asks for raw base64. `check` picks how
 * many characters of a long value are tested against the alphabet (see `Base64Check`).
 */
export function base64Problem(value: string, check: Base64Check = 'full'): string | undefined {
  if (value.length === 0) return 'is empty';
  const padding = trailingPadding(value);
  if (padding > 2) return `ends with ${padding} "=" characters; base64 has at most 2`;
  const unpadded = value.length - padding;
  const invalidAt =
    check === 'full'
      ? findInvalidBase64Char(value, 0, unpadded)
      : findInvalidBase64CharSampled(value, unpadded);
  if (invalidAt >= 0) return invalidCharReason(value, invalidAt);
  if (padding > 0 && value.length % 4 !== 0) {
    return `has ${value.length} characters with "=" padding; padded base64 is a multiple of 4 characters long`;
  }
  if (unpadded % 4 === 1) {
    return `has ${unpadded} characters; base64 cannot be 4n+1 characters long (truncated?)`;
  }
  return undefined;
}

/**
 * What a media field holds. A URL is an absolute `http://` or `https://` URL (scheme in any case) that
 * `new URL` parses; `data:` is reported separately because Kling wants raw base64; anything else must
 * be raw standard base64 (checked as `check` says). Only `''` is empty (whitespace is invalid base64,
 * not "missing").
 */
export function classifyMediaValue(value: string, check: Base64Check = 'full'): MediaValueKind {
  if (value.length === 0) return { kind: 'empty' };
  if (HTTP_PREFIX.test(value)) {
    const url = parseHttpUrl(value);
    if (url !== undefined) return { kind: 'url', url };
    return {
      kind: 'invalid-base64',
      reason: 'starts with http(s):// but is not a valid absolute URL',
    };
  }
  if (DATA_PREFIX.test(value)) {
    const mimeType = /^data:([^;,]*)/i.exec(value)?.[1];
    return mimeType ? { kind: 'data-uri', mimeType } : { kind: 'data-uri' };
  }
  const reason = base64Problem(value, check);
  return reason === undefined ? { kind: 'base64' } : { kind: 'invalid-base64', reason };
}

/** The href of an absolute http(s) URL, or `undefined`. Never throws. */
export function parseHttpUrl(value: string): string | undefined {
  if (!HTTP_PREFIX.test(value)) return undefined;
  try {
    const url = new URL(value);
    if ((url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '') return url.href;
  } catch {
    // Not parseable: fall through.
  }
  return undefined;
}

/**
 * The `data:…;base64,` prefix of a data URI (up to and including the first comma), or `undefined`.
 * Used to point at exactly what to remove.
 */
export function dataUriPrefix(value: string): string | undefined {
  if (!DATA_PREFIX.test(value)) return undefined;
  const comma = value.indexOf(',');
  return comma < 0 ? undefined : value.slice(0, comma + 1);
}

/**
 * Turn what users paste into raw standard base64: drops a `data:…;base64,` prefix, strips whitespace and
 * line breaks (MIME-style 76-column base64), maps the URL-safe `-_` to `+/`, and rewrites padding to the
 * canonical form. Does not validate; run `classifyMediaValue` on the result.
 */
export function normalizeBase64(value: string): string {
  let normalized = value;
  const prefix = dataUriPrefix(normalized);
  if (prefix !== undefined) normalized = normalized.slice(prefix.length);
  if (/\s/.test(normalized)) normalized = normalized.replace(/\s+/g, '');
  if (/[-_]/.test(normalized)) normalized = normalized.replace(/-/g, '+').replace(/_/g, '/');
  const padding = trailingPadding(normalized);
  if (padding > 0) normalized = normalized.slice(0, normalized.length - padding);
  const remainder = normalized.length % 4;
  if (remainder === 2) normalized += '==';
  else if (remainder === 3) normalized += '=';
  return normalized;
}

/**
 * Bytes that raw base64 `value` decodes to, from its length and padding alone (O(1)). Assumes a value
 * `classifyMediaValue` accepted; a dangling 4n+1th character carries no whole byte and is not counted.
 */
export function base64DecodedLength(value: string): number {
  const padding = Math.min(2, trailingPadding(value));
  return Math.floor(((value.length - padding) * 3) / 4);
}

/**
 * Decode characters `[startChar, endChar)` of a base64 string. `startChar` must begin a 4-character
 * group; `=` padding ends the data. Accepts both alphabets; throws a TypeError on any other character.
 * `base64Source` uses this to decode only the slice a header read needs.
 */
export function decodeBase64Range(value: string, startChar: number, endChar: number): Uint8Array {
  const table = SEXTET_OF;
  let end = Math.min(endChar, value.length);
  const start = Math.max(0, startChar);
  // Only trailing `=` ends the data; one inside the range is an invalid character. (No indexOf: on a
  // 14 MB string that would scan past the slice.)
  while (end > start && value.charCodeAt(end - 1) === EQUALS) end--;
  const charCount = Math.max(0, end - start);
  const remainder = charCount & 3;
  if (remainder === 1) throw new TypeError('Invalid base64: a lone trailing character carries no byte');
  const groups = charCount >>> 2;
  const output = new Uint8Array(groups * 3 + (remainder === 0 ? 0 : remainder - 1));
  const sextet = (index: number): number => {
    const code = value.charCodeAt(index);
    const decoded = code < 128 ? table[code]! : -1;
    if (decoded < 0) {
      throw new TypeError(`Invalid base64: unexpected character ${describeChar(value, index)} at ${index}`);
    }
    return decoded;
  };
  let out = 0;
  let index = start;
  for (let group = 0; group < groups; group++, index += 4) {
    const word =
      (sextet(index) << 18) | (sextet(index + 1) << 12) | (sextet(index + 2) << 6) | sextet(index + 3);
    output[out++] = word >>> 16;
    output[out++] = (word >>> 8) & 0xff;
    output[out++] = word & 0xff;
  }
  if (remainder >= 2) {
    const word =
      (sextet(index) << 18) | (sextet(index + 1) << 12) | (remainder === 3 ? sextet(index + 2) << 6 : 0);
    output[out++] = word >>> 16;
    if (remainder === 3) output[out++] = (word >>> 8) & 0xff;
  }
  return output;
}

/** Decode standard or URL-safe base64, padded or not. Throws a TypeError on whitespace or other characters. */
export function decodeBase64(value: string): Uint8Array {
  return decodeBase64Range(value, 0, value.length);
}

/** Bytes per chunk: a multiple of 3 so chunks join without padding in between. */
const ENCODE_CHUNK_BYTES = 3 * 16384;

/** Standard padded base64, built chunk by chunk (no `Buffer`, no giant `String.fromCharCode` spread). */
export function encodeBase64(bytes: Uint8Array): string {
  const alphabet = new Uint8Array(64);
  for (let index = 0; index < 64; index++) alphabet[index] = ALPHABET.charCodeAt(index);
  const decoder = new TextDecoder();
  const chunkOutput = new Uint8Array((ENCODE_CHUNK_BYTES / 3) * 4);
  const parts: string[] = [];
  for (let chunkStart = 0; chunkStart < bytes.length; chunkStart += ENCODE_CHUNK_BYTES) {
    const chunkEnd = Math.min(bytes.length, chunkStart + ENCODE_CHUNK_BYTES);
    let out = 0;
    let index = chunkStart;
    for (; index + 2 < chunkEnd; index += 3) {
      const word = (bytes[index]! << 16) | (bytes[index + 1]! << 8) | bytes[index + 2]!;
      chunkOutput[out++] = alphabet[word >>> 18]!;
      chunkOutput[out++] = alphabet[(word >>> 12) & 63]!;
      chunkOutput[out++] = alphabet[(word >>> 6) & 63]!;
      chunkOutput[out++] = alphabet[word & 63]!;
    }
    const left = chunkEnd - index;
    if (left > 0) {
      const word = (bytes[index]! << 16) | (left === 2 ? bytes[index + 1]! << 8 : 0);
      chunkOutput[out++] = alphabet[word >>> 18]!;
      chunkOutput[out++] = alphabet[(word >>> 12) & 63]!;
      chunkOutput[out++] = left === 2 ? alphabet[(word >>> 6) & 63]! : EQUALS;
      chunkOutput[out++] = EQUALS;
    }
    parts.push(decoder.decode(chunkOutput.subarray(0, out)));
  }
  return parts.join('');
}
