import { decodeBase64Range } from './base64.js';

/**
 * Random access to media bytes, so inspection reads only headers whatever holds the file: a decoded
 * array, a 14 MB base64 string, or (in node.ts) a file handle.
 */
export interface ByteSource {
  /** Total bytes of the file. */
  readonly size: number;
  /**
   * Bytes `[offset, offset + length)`; fewer at the end of the file, none past it. The result may be a
   * view into shared memory: do not modify it.
   */
  read(offset: number, length: number): Uint8Array;
}

const EQUALS = 61; // '='

/** Clamp a requested range to `[0, size)` with integer bounds; NaN and negatives read nothing odd. */
function clampRange(size: number, offset: number, length: number): [start: number, end: number] {
  const start = Math.min(size, Math.max(0, Math.floor(offset) || 0));
  const end = Math.min(size, start + Math.max(0, Math.floor(length) || 0));
  return [start, end];
}

export function bytesSource(bytes: Uint8Array): ByteSource {
  return {
    size: bytes.length,
    read(offset, length) {
      const [start, end] = clampRange(bytes.length, offset, length);
      return bytes.subarray(start, end);
    },
  };
}

/**
 * A ByteSource over raw standard base64 (as `classifyMediaValue` accepts it). The size comes from the
 * length and padding; each `read` decodes only the 4-character groups covering the range, starting at
 * character `floor(offset / 3) * 4`, so inspecting a 10 MB image touches a few hundred characters.
 */
export function base64Source(rawBase64: string): ByteSource {
  let unpadded = rawBase64.length;
  while (unpadded > 0 && rawBase64.length - unpadded < 2 && rawBase64.charCodeAt(unpadded - 1) === EQUALS) {
    unpadded--;
  }
  // A dangling 4n+1th character carries no whole byte; leave it out so decoding never sees it.
  const usableChars = unpadded % 4 === 1 ? unpadded - 1 : unpadded;
  const size = Math.floor((usableChars * 3) / 4);
  return {
    size,
    read(offset, length) {
      const [start, end] = clampRange(size, offset, length);
      if (end <= start) return new Uint8Array(0);
      const firstGroup = Math.floor(start / 3);
      const startChar = firstGroup * 4;
      const endChar = Math.min(usableChars, Math.ceil(end / 3) * 4);
      const decoded = decodeBase64Range(rawBase64, startChar, endChar);
      const skip = start - firstGroup * 3;
      return decoded.subarray(skip, skip + (end - start));
    },
  };
}
