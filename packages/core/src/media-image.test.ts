import { describe, expect, it } from 'vitest';
import {
  bmp,
  concatBytes,
  countingSource,
  gif,
  heic,
  jpeg,
  MiB,
  png,
  toBase64,
  webp,
} from '../test/fixtures.js';
import { base64Source, bytesSource } from './byte-source.js';
import { inspectImage } from './media-image.js';

const inspect = (bytes: Uint8Array) => inspectImage(bytesSource(bytes));

describe('inspectImage', () => {
  it('reads PNG dimensions from IHDR', () => {
    const bytes = png(640, 480);
    expect(inspect(bytes)).toEqual({ format: 'png', width: 640, height: 480, bytes: bytes.length });
  });

  it('reads baseline JPEG dimensions from SOF0', () => {
    const bytes = jpeg(1024, 768);
    expect(inspect(bytes)).toEqual({ format: 'jpeg', width: 1024, height: 768, bytes: bytes.length });
  });

  it('reads progressive JPEG dimensions from SOF2', () => {
    expect(inspect(jpeg(301, 700, { progressive: true }))).toMatchObject({
      format: 'jpeg',
      width: 301,
      height: 700,
    });
  });

  it('skips an EXIF APP1 payload by its length (the fake SOF inside it is never read)', () => {
    const bytes = jpeg(800, 600, { exif: true });
    const source = countingSource(bytesSource(bytes));
    expect(inspectImage(source)).toMatchObject({ format: 'jpeg', width: 800, height: 600 });
    expect(source.bytesRead).toBeLessThan(200);
  });

  it('tolerates 0xFF fill bytes before markers', () => {
    expect(inspect(jpeg(400, 500, { fillBytes: 3 }))).toMatchObject({ width: 400, height: 500 });
    expect(inspect(jpeg(400, 500, { fillBytes: 40, exif: true }))).toMatchObject({ width: 400, height: 500 });
  });

  it('walks many COM segments in a 10 MiB JPEG reading only segment headers', () => {
    const bytes = jpeg(1000, 1200, { totalBytes: 10 * MiB });
    expect(bytes.length).toBe(10 * MiB);
    const source = countingSource(base64Source(toBase64(bytes)));
    expect(inspectImage(source)).toEqual({ format: 'jpeg', width: 1000, height: 1200, bytes: 10 * MiB });
    expect(source.reads).toBeLessThan(2 * ((10 * MiB) / 65537) + 20);
    expect(source.bytesRead).toBeLessThan(8 * 1024);
  });

  it('reads a 10 MiB PNG with one small read', () => {
    const source = countingSource(base64Source(toBase64(png(300, 300, { totalBytes: 10 * MiB }))));
    expect(inspectImage(source)).toEqual({ format: 'png', width: 300, height: 300, bytes: 10 * MiB });
    expect(source.bytesRead).toBeLessThanOrEqual(32);
  });

  it('decides by content, not by a lying name or MIME type', () => {
    // What a user uploads as "photo.png" may be JPEG bytes: inspection never sees the name.
    const jpegNamedPng = { name: 'photo.png', bytes: jpeg(500, 500) };
    expect(inspect(jpegNamedPng.bytes).format).toBe('jpeg');
    const gifNamedJpg = { name: 'avatar.jpg', bytes: gif(500, 500) };
    expect(inspect(gifNamedJpg.bytes).format).toBe('gif');
  });

  it('names other image formats with their size where cheap, for friendlier errors', () => {
    expect(inspect(gif(320, 200))).toMatchObject({ format: 'gif', width: 320, height: 200 });
    expect(inspect(webp('VP8 ', 640, 360))).toMatchObject({ format: 'webp', width: 640, height: 360 });
    expect(inspect(webp('VP8L', 1000, 16000))).toMatchObject({ format: 'webp', width: 1000, height: 16000 });
    expect(inspect(webp('VP8X', 5000, 3000))).toMatchObject({ format: 'webp', width: 5000, height: 3000 });
    expect(inspect(bmp(300, 400))).toMatchObject({ format: 'bmp', width: 300, height: 400 });
    expect(inspect(heic())).toMatchObject({ format: 'heic' });
  });

  it('does not call AVIF (HEIF container, avif brand) HEIC', () => {
    const avif = concatBytes(
      [0, 0, 0, 24],
      [...'ftypavif'].map((c) => c.charCodeAt(0)),
      [0, 0, 0, 0],
      [...'mif1avif'].map((c) => c.charCodeAt(0)),
    );
    expect(inspect(avif).format).toBe('unknown');
  });

  it('reports unknown content and damaged headers without throwing', () => {
    expect(inspect(new Uint8Array(0))).toEqual({ format: 'unknown', bytes: 0 });
    expect(inspect(new TextEncoder().encode('hello, world'))).toEqual({ format: 'unknown', bytes: 12 });
    expect(inspect(new TextEncoder().encode('BM not a bitmap header......'))).toMatchObject({
      format: 'unknown',
    });
    // Signature only: format known, size unreadable.
    expect(inspect(png(400, 400).subarray(0, 12))).toEqual({ format: 'png', bytes: 12 });
    expect(inspect(jpeg(400, 400).subarray(0, 30))).toEqual({ format: 'jpeg', bytes: 30 });
    // SOS before any SOF, or a zero-length segment: no dimensions.
    expect(inspect(Uint8Array.from([0xff, 0xd8, 0xff, 0xda, 0, 2, 0, 0]))).toEqual({
      format: 'jpeg',
      bytes: 8,
    });
    expect(inspect(Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0, 0, 0, 0]))).toEqual({
      format: 'jpeg',
      bytes: 8,
    });
    // A PNG whose IHDR says 0×0.
    const zero = png(1, 1);
    zero.fill(0, 16, 24);
    expect(inspect(zero)).toEqual({ format: 'png', bytes: zero.length });
  });

  it('stops on a JPEG that is nothing but fill bytes', () => {
    const bytes = concatBytes([0xff, 0xd8], new Uint8Array(5000).fill(0xff));
    expect(inspect(bytes)).toEqual({ format: 'jpeg', bytes: 5002 });
  });
});
