/**
 * Big- and little-endian readers over small header slices. Out-of-range bytes read as 0 (typed arrays
 * give `undefined`), so callers check `bytes.length` before trusting a value.
 */

export function uint16BE(bytes: Uint8Array, at: number): number {
  return ((bytes[at] ?? 0) << 8) | (bytes[at + 1] ?? 0);
}

export function uint24BE(bytes: Uint8Array, at: number): number {
  return ((bytes[at] ?? 0) << 16) | ((bytes[at + 1] ?? 0) << 8) | (bytes[at + 2] ?? 0);
}

export function uint32BE(bytes: Uint8Array, at: number): number {
  // Multiply instead of `<< 24` so the result stays an unsigned number.
  return (bytes[at] ?? 0) * 0x1000000 + uint24BE(bytes, at + 1);
}

/** 64-bit big-endian as a double: exact up to 2^53, which covers every real file size and duration. */
export function uint64BE(bytes: Uint8Array, at: number): number {
  return uint32BE(bytes, at) * 0x100000000 + uint32BE(bytes, at + 4);
}

export function uint16LE(bytes: Uint8Array, at: number): number {
  return (bytes[at] ?? 0) | ((bytes[at + 1] ?? 0) << 8);
}

export function uint24LE(bytes: Uint8Array, at: number): number {
  return uint16LE(bytes, at) | ((bytes[at + 2] ?? 0) << 16);
}

export function uint32LE(bytes: Uint8Array, at: number): number {
  return uint24LE(bytes, at) + (bytes[at + 3] ?? 0) * 0x1000000;
}

export function int32LE(bytes: Uint8Array, at: number): number {
  return uint32LE(bytes, at) | 0;
}

/** Four-character codes (`RIFF`, `ftyp`, `IHDR`) as a string; non-ASCII bytes map to U+FFFD-free chars. */
export function ascii(bytes: Uint8Array, at: number, length: number): string {
  let text = '';
  for (let index = at; index < at + length && index < bytes.length; index++) {
    text += String.fromCharCode(bytes[index]!);
  }
  return text;
}

export function startsWith(bytes: Uint8Array, at: number, signature: readonly number[]): boolean {
  if (bytes.length < at + signature.length) return false;
  for (let index = 0; index < signature.length; index++) {
    if (bytes[at + index] !== signature[index]) return false;
  }
  return true;
}
