import { ascii, int32LE, startsWith, uint16BE, uint16LE, uint24LE, uint32BE, uint32LE } from './binary.js';
import type { ByteSource } from './byte-source.js';

/** What the bytes are, decided from magic numbers only: file names and MIME types lie. */
export type ImageContainerFormat = 'png' | 'jpeg' | 'gif' | 'webp' | 'bmp' | 'heic' | 'unknown';

export interface ImageInfo {
  format: ImageContainerFormat;
  /** Pixels, when the header could be read (PNG, JPEG; GIF, WebP and BMP for friendlier errors). */
  width?: number;
  height?: number;
  /** Size of the whole file in bytes. */
  bytes: number;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const JPEG_SIGNATURE = [0xff, 0xd8, 0xff];
/** HEIF brands (HEIC and its image-sequence and multi-image variants). */
const HEIF_BRANDS = new Set(['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'hevm', 'hevs', 'mif1', 'msf1']);
/** AVIF shares HEIF's `mif1` brand; seeing one of these means it is AVIF, which has no format slot here. */
const AVIF_BRANDS = new Set(['avif', 'avis']);
/** Bounds the marker walk: a real JPEG has a few dozen segments before its frame header. */
const MAX_JPEG_SEGMENTS = 4096;

type Dimensions = { width?: number; height?: number };

function dimensions(width: number, height: number): Dimensions {
  // A zero side means "unknown/corrupt" in every one of these headers; report it as unreadable.
  return width > 0 && height > 0 ? { width, height } : {};
}

export function inspectImage(source: ByteSource): ImageInfo {
  const bytes = source.size;
  const head = source.read(0, 32);
  if (startsWith(head, 0, PNG_SIGNATURE)) return { format: 'png', bytes, ...pngDimensions(head) };
  if (startsWith(head, 0, JPEG_SIGNATURE)) return { format: 'jpeg', bytes, ...jpegDimensions(source) };
  const leading = ascii(head, 0, 6);
  if (leading === 'GIF87a' || leading === 'GIF89a') {
    return { format: 'gif', bytes, ...dimensions(uint16LE(head, 6), uint16LE(head, 8)) };
  }
  if (ascii(head, 0, 4) === 'RIFF' && ascii(head, 8, 4) === 'WEBP') {
    return { format: 'webp', bytes, ...webpDimensions(head) };
  }
  if (isBmp(head)) return { format: 'bmp', bytes, ...bmpDimensions(head) };
  if (isHeif(source, head)) return { format: 'heic', bytes };
  return { format: 'unknown', bytes };
}

/** IHDR is always the first chunk: width and height sit at bytes 16–23. */
function pngDimensions(head: Uint8Array): Dimensions {
  if (head.length < 24 || ascii(head, 12, 4) !== 'IHDR') return {};
  return dimensions(uint32BE(head, 16), uint32BE(head, 20));
}

/** SOF0–SOF15 carry the frame size, except DHT (C4), JPG (C8) and DAC (CC), which share the range. */
function isStartOfFrame(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

/**
 * Walk marker segments from after SOI to the first SOFn, reading only each segment's header and jumping
 * over its payload by the declared length (an EXIF APP1 can be 64 KB; it is never read).
 */
function jpegDimensions(source: ByteSource): Dimensions {
  let offset = 2;
  for (let segment = 0; segment < MAX_JPEG_SEGMENTS && offset < source.size; segment++) {
    const window = source.read(offset, 16);
    if (window.length < 2 || window[0] !== 0xff) return {};
    // Any number of 0xFF fill bytes may precede a marker code.
    let fill = 0;
    while (fill < window.length && window[fill] === 0xff) fill++;
    if (fill === window.length) {
      offset += fill - 1;
      continue;
    }
    const markerOffset = offset + fill;
    const marker = window[fill]!;
    // Standalone markers (TEM, RST0–7, a repeated SOI) have no length field.
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) {
      offset = markerOffset + 1;
      continue;
    }
    // End of image, start of scan or a stuffed 0x00 before any frame header: no size to report.
    if (marker === 0xd9 || marker === 0xda || marker === 0x00) return {};
    const header = source.read(markerOffset + 1, 7); // length(2) precision(1) height(2) width(2)
    if (header.length < 2) return {};
    const length = uint16BE(header, 0);
    if (length < 2) return {};
    if (isStartOfFrame(marker)) {
      if (header.length < 7) return {};
      return dimensions(uint16BE(header, 5), uint16BE(header, 3));
    }
    offset = markerOffset + 1 + length;
  }
  return {};
}

function webpDimensions(head: Uint8Array): Dimensions {
  const chunk = ascii(head, 12, 4);
  if (chunk === 'VP8 ' && head[23] === 0x9d && head[24] === 0x01 && head[25] === 0x2a) {
    return dimensions(uint16LE(head, 26) & 0x3fff, uint16LE(head, 28) & 0x3fff);
  }
  if (chunk === 'VP8L' && head[20] === 0x2f) {
    const bits = uint32LE(head, 21);
    return dimensions((bits & 0x3fff) + 1, ((bits >>> 14) & 0x3fff) + 1);
  }
  if (chunk === 'VP8X' && head.length >= 30) {
    return dimensions(uint24LE(head, 24) + 1, uint24LE(head, 27) + 1);
  }
  return {};
}

/** `BM` alone is too weak a signature; also require a known DIB header size. */
function isBmp(head: Uint8Array): boolean {
  if (head.length < 26 || head[0] !== 0x42 || head[1] !== 0x4d) return false;
  return [12, 40, 52, 56, 64, 108, 124].includes(uint32LE(head, 14));
}

function bmpDimensions(head: Uint8Array): Dimensions {
  if (uint32LE(head, 14) === 12) return dimensions(uint16LE(head, 18), uint16LE(head, 20));
  // Negative height means rows are stored top-down; the size is the absolute value.
  return dimensions(Math.abs(int32LE(head, 18)), Math.abs(int32LE(head, 22)));
}

function isHeif(source: ByteSource, head: Uint8Array): boolean {
  if (ascii(head, 4, 4) !== 'ftyp') return false;
  const boxSize = Math.min(uint32BE(head, 0), 256);
  const box = boxSize > 32 ? source.read(0, boxSize) : head;
  const brands: string[] = [ascii(box, 8, 4)];
  for (let at = 16; at + 4 <= Math.min(box.length, boxSize); at += 4) brands.push(ascii(box, at, 4));
  if (brands.some((brand) => AVIF_BRANDS.has(brand))) return false;
  return brands.some((brand) => HEIF_BRANDS.has(brand));
}
