/**
 * Generators for small but real media files, so tests exercise the same bytes users send. Test-only
 * code: Buffer and node:zlib are fine here.
 */
import { deflateSync } from 'node:zlib';
import type { ByteSource } from '../src/byte-source.js';

export const MiB = 1024 * 1024;

function u16be(value: number): number[] {
  return [(value >>> 8) & 0xff, value & 0xff];
}
function u32be(value: number): number[] {
  return [(value >>> 24) & 0xff, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff];
}
function u16le(value: number): number[] {
  return [value & 0xff, (value >>> 8) & 0xff];
}
function u32le(value: number): number[] {
  return [value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, (value >>> 24) & 0xff];
}
function ascii(text: string): number[] {
  return [...text].map((char) => char.charCodeAt(0));
}

export function concatBytes(...parts: (Uint8Array | number[])[]): Uint8Array {
  const arrays = parts.map((part) => (part instanceof Uint8Array ? part : Uint8Array.from(part)));
  const total = arrays.reduce((sum, part) => sum + part.length, 0);
  const joined = new Uint8Array(total);
  let offset = 0;
  for (const part of arrays) {
    joined.set(part, offset);
    offset += part.length;
  }
  return joined;
}

export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('base64');
}

// ---------------------------------------------------------------------------------------------------
// PNG

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = CRC_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function pngChunk(type: string, data: Uint8Array): Uint8Array {
  const typeAndData = concatBytes(ascii(type), data);
  return concatBytes(u32be(data.length), typeAndData, u32be(crc32(typeAndData)));
}

export interface PngOptions {
  /** Pad the file to exactly this many bytes with an ancillary `fiLl` chunk (decoders skip it). */
  totalBytes?: number;
}

/** A real, decodable greyscale PNG (all black) with correct CRCs. */
export function png(width: number, height: number, options: PngOptions = {}): Uint8Array {
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  const ihdr = pngChunk('IHDR', concatBytes(u32be(width), u32be(height), [8, 0, 0, 0, 0]));
  // Each row: filter byte 0 + width bytes of grey 0. Zeros deflate to almost nothing.
  const raw = new Uint8Array((width + 1) * height);
  const idat = pngChunk('IDAT', deflateSync(raw));
  const iend = pngChunk('IEND', new Uint8Array(0));
  const base = signature.length + ihdr.length + idat.length + iend.length;
  if (options.totalBytes === undefined) return concatBytes(signature, ihdr, idat, iend);
  const fillerData = options.totalBytes - base - 12;
  if (fillerData < 0) throw new Error(`PNG cannot be as small as ${options.totalBytes} bytes`);
  const filler = pngChunk('fiLl', new Uint8Array(fillerData).fill(0x42));
  return concatBytes(signature, ihdr, idat, filler, iend);
}

// ---------------------------------------------------------------------------------------------------
// JPEG

export interface JpegOptions {
  progressive?: boolean;
  /** Insert an EXIF APP1 segment (with SOF-like bytes inside, which must be skipped) before the frame. */
  exif?: boolean;
  /** 0xFF fill bytes before each marker after SOI (legal per T.81 B.1.1.2). */
  fillBytes?: number;
  /** Pad to exactly this size with COM segments before the frame header. */
  totalBytes?: number;
}

function segment(marker: number, payload: number[] | Uint8Array): Uint8Array {
  return concatBytes([0xff, marker], u16be(payload.length + 2), payload);
}

/**
 * A real, decodable mid-grey JPEG: one component, DC-only Huffman tables where every block is "DC
 * difference 0, end of block" (2 bits). Progressive files carry the DC-first scan only.
 */
export function jpeg(width: number, height: number, options: JpegOptions = {}): Uint8Array {
  const parts: Uint8Array[] = [Uint8Array.from([0xff, 0xd8])];
  const fill = new Uint8Array(options.fillBytes ?? 0).fill(0xff);
  const add = (bytes: Uint8Array) => parts.push(concatBytes(fill, bytes));
  add(segment(0xe0, [...ascii('JFIF'), 0, 1, 1, 0, 0, 1, 0, 1, 0, 0]));
  if (options.exif) {
    // EXIF with a fake "FF C0 <height> <width>" inside its payload: a walker reading payloads would lie.
    const tiff = [
      ...ascii('Exif'),
      0,
      0,
      ...ascii('MM'),
      0,
      42,
      ...u32be(8),
      0xff,
      0xc0,
      0,
      17,
      8,
      0,
      1,
      0,
      1,
    ];
    add(segment(0xe1, concatBytes(tiff, new Uint8Array(60_000).fill(0xff))));
  }
  add(segment(0xdb, [0, ...new Array(64).fill(1)])); // DQT: table 0, all ones
  const sofMarker = options.progressive ? 0xc2 : 0xc0;
  const frame = segment(sofMarker, [8, ...u16be(height), ...u16be(width), 1, 1, 0x11, 0]);
  // DHT DC table 0 and AC table 0: one 1-bit code each, for symbol 0 (DC diff 0 / AC end-of-block).
  const dht = segment(0xc4, [0x00, 1, ...new Array(15).fill(0), 0, 0x10, 1, ...new Array(15).fill(0), 0x00]);
  const blocks = Math.ceil(width / 8) * Math.ceil(height / 8);
  const bitsPerBlock = options.progressive ? 1 : 2;
  const scanBytes = Math.ceil((blocks * bitsPerBlock) / 8);
  const scanData = new Uint8Array(scanBytes);
  // Pad the last byte's unused bits with 1s, as the standard requires.
  const usedBits = (blocks * bitsPerBlock) % 8;
  if (usedBits !== 0) scanData[scanBytes - 1] = 0xff >>> usedBits;
  const sos = options.progressive
    ? segment(0xda, [1, 1, 0x00, 0, 0, 0]) // DC first scan: Ss=0 Se=0 Ah=0 Al=0
    : segment(0xda, [1, 1, 0x00, 0, 63, 0]);
  const tail = [dht, sos, scanData, Uint8Array.from([0xff, 0xd9])];
  if (options.totalBytes !== undefined) {
    const soFar = parts.reduce((sum, part) => sum + part.length, 0) + frame.length + fill.length;
    let padding = options.totalBytes - soFar - tail.reduce((sum, part) => sum + part.length, 0);
    if (padding < 0 || (padding > 0 && padding < 4))
      throw new Error(`cannot pad JPEG to ${options.totalBytes} bytes`);
    const maxSegment = 4 + 65533; // marker + length + the largest COM payload
    while (padding > 0) {
      let take = Math.min(maxSegment, padding);
      // Never leave 1–3 bytes: too few for another segment's header.
      if (padding - take > 0 && padding - take < 4) take -= 4;
      parts.push(segment(0xfe, new Uint8Array(take - 4).fill(0x20)));
      padding -= take;
    }
  }
  add(frame);
  return concatBytes(...parts, ...tail);
}

// ---------------------------------------------------------------------------------------------------
// Other images (format detection only)

export function gif(width: number, height: number): Uint8Array {
  return concatBytes(ascii('GIF89a'), u16le(width), u16le(height), [0, 0, 0], [0x3b]);
}

export function webp(kind: 'VP8 ' | 'VP8L' | 'VP8X', width: number, height: number): Uint8Array {
  let chunk: number[];
  if (kind === 'VP8 ') {
    chunk = [0, 0, 0, 0x9d, 0x01, 0x2a, ...u16le(width), ...u16le(height), 0, 0];
  } else if (kind === 'VP8L') {
    const bits = ((width - 1) & 0x3fff) | (((height - 1) & 0x3fff) << 14);
    chunk = [0x2f, ...u32le(bits >>> 0), 0];
  } else {
    chunk = [0, 0, 0, 0, ...u32le(width - 1).slice(0, 3), ...u32le(height - 1).slice(0, 3)];
  }
  const body = concatBytes(ascii('WEBP'), ascii(kind), u32le(chunk.length), chunk);
  return concatBytes(ascii('RIFF'), u32le(body.length), body);
}

export function bmp(width: number, height: number): Uint8Array {
  const dib = [
    ...u32le(40),
    ...u32le(width),
    ...u32le(-height >>> 0),
    ...u16le(1),
    ...u16le(24),
    ...new Array(24).fill(0),
  ];
  return concatBytes(ascii('BM'), u32le(14 + dib.length), [0, 0, 0, 0], u32le(14 + dib.length), dib);
}

export function heic(): Uint8Array {
  return concatBytes(u32be(24), ascii('ftyp'), ascii('heic'), u32be(0), ascii('mif1'), ascii('heic'));
}

// ---------------------------------------------------------------------------------------------------
// WAV

export interface WavOptions {
  sampleRate?: number;
  channels?: number;
  bitsPerSample?: number;
  /** Exact data bytes; otherwise from `durationSeconds`. */
  dataBytes?: number;
  durationSeconds?: number;
  /** An odd-sized LIST chunk before `data`, padded to even length as RIFF requires. */
  oddChunkBytes?: number;
  /** Overrides the data chunk's declared size (streaming writers use 0xFFFFFFFF). */
  declaredDataBytes?: number;
  /** A `junk` chunk before `data` of this many bytes: grows the file without changing the duration. */
  junkBytes?: number;
}

export function wav(options: WavOptions = {}): Uint8Array {
  const sampleRate = options.sampleRate ?? 8000;
  const channels = options.channels ?? 1;
  const bits = options.bitsPerSample ?? 16;
  const blockAlign = (channels * bits) / 8;
  const byteRate = sampleRate * blockAlign;
  const dataBytes = options.dataBytes ?? Math.round((options.durationSeconds ?? 2) * byteRate);
  const fmt = concatBytes(
    ascii('fmt '),
    u32le(16),
    u16le(1),
    u16le(channels),
    u32le(sampleRate),
    u32le(byteRate),
    u16le(blockAlign),
    u16le(bits),
  );
  const extra: Uint8Array[] = [];
  if (options.oddChunkBytes !== undefined) {
    const size = options.oddChunkBytes;
    extra.push(concatBytes(ascii('LIST'), u32le(size), new Uint8Array(size + (size & 1)).fill(0x41)));
  }
  if (options.junkBytes !== undefined) {
    extra.push(concatBytes(ascii('junk'), u32le(options.junkBytes), new Uint8Array(options.junkBytes)));
  }
  const data = concatBytes(
    ascii('data'),
    u32le(options.declaredDataBytes ?? dataBytes),
    new Uint8Array(dataBytes),
  );
  const body = concatBytes(ascii('WAVE'), fmt, ...extra, data);
  return concatBytes(ascii('RIFF'), u32le(body.length), body);
}

/** Size a 16-bit mono WAV of `totalBytes` at `sampleRate`; the duration follows from it. */
export function wavOfSize(totalBytes: number, sampleRate: number): Uint8Array {
  return wav({ sampleRate, dataBytes: totalBytes - 44 });
}

// ---------------------------------------------------------------------------------------------------
// MP3

export interface Mp3Options {
  frames: number;
  /** 1, 2 or 2.5. */
  version?: 1 | 2 | 2.5;
  bitrateKbps?: number;
  sampleRate?: number;
  mono?: boolean;
  /** Prepend an ID3v2.4 tag with this many bytes of (padding) content. */
  id3Bytes?: number;
  /** Append a 128-byte ID3v1 tag. */
  id3v1?: boolean;
  /** Put a Xing (VBR) or Info (LAME CBR) header in the first frame declaring this many frames. */
  xing?: { tag: 'Xing' | 'Info'; frames: number };
  /** Put a Fraunhofer VBRI header in the first frame declaring this many frames. */
  vbri?: { frames: number };
  /** Junk bytes between the ID3 tag and the first frame (encoders leave zero padding). */
  junkBeforeFirstFrame?: number;
}

const MP3_BITRATES: Record<'1' | '2', number[]> = {
  '1': [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
  '2': [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
};
const MP3_RATES: Record<string, number[]> = {
  '1': [44100, 48000, 32000],
  '2': [22050, 24000, 16000],
  '2.5': [11025, 12000, 8000],
};

export function mp3FrameLength(version: 1 | 2 | 2.5, bitrateKbps: number, sampleRate: number): number {
  return Math.floor(((version === 1 ? 144 : 72) * bitrateKbps * 1000) / sampleRate);
}

export function id3v2(contentBytes: number): Uint8Array {
  const syncsafe = [
    (contentBytes >>> 21) & 0x7f,
    (contentBytes >>> 14) & 0x7f,
    (contentBytes >>> 7) & 0x7f,
    contentBytes & 0x7f,
  ];
  const frame = concatBytes(ascii('TIT2'), u32be(0), [0, 0]); // an empty title frame, then padding
  const content = new Uint8Array(contentBytes);
  content.set(frame.subarray(0, Math.min(frame.length, contentBytes)));
  return concatBytes(ascii('ID3'), [4, 0, 0], syncsafe, content);
}

/** MPEG audio layer III frames with valid headers and silent (zero) payloads. */
export function mp3(options: Mp3Options): Uint8Array {
  const version = options.version ?? 1;
  const family = version === 1 ? '1' : '2';
  const bitrate = options.bitrateKbps ?? (version === 1 ? 128 : 64);
  const sampleRate = options.sampleRate ?? MP3_RATES[String(version)]![0]!;
  const bitrateIndex = MP3_BITRATES[family].indexOf(bitrate);
  const rateIndex = MP3_RATES[String(version)]!.indexOf(sampleRate);
  if (bitrateIndex < 1 || rateIndex < 0) throw new Error('unsupported mp3 parameters');
  const versionBits = version === 1 ? 3 : version === 2 ? 2 : 0;
  const header = [
    0xff,
    0xe0 | (versionBits << 3) | (1 << 1) | 1,
    (bitrateIndex << 4) | (rateIndex << 2),
    options.mono ? 0xc0 : 0x00,
  ];
  const frameLength = mp3FrameLength(version, bitrate, sampleRate);
  const sideInfo = version === 1 ? (options.mono ? 17 : 32) : options.mono ? 9 : 17;
  const frames: Uint8Array[] = [];
  for (let index = 0; index < options.frames; index++) {
    const frame = new Uint8Array(frameLength);
    frame.set(header);
    if (index === 0 && options.xing) {
      frame.set([...ascii(options.xing.tag), ...u32be(1), ...u32be(options.xing.frames)], 4 + sideInfo);
    }
    if (index === 0 && options.vbri) {
      frame.set(
        [
          ...ascii('VBRI'),
          ...u16be(1),
          ...u16be(0),
          ...u16be(75),
          ...u32be(0),
          ...u32be(options.vbri.frames),
        ],
        36,
      );
    }
    frames.push(frame);
  }
  const parts: Uint8Array[] = [];
  if (options.id3Bytes !== undefined) parts.push(id3v2(options.id3Bytes));
  if (options.junkBeforeFirstFrame) parts.push(new Uint8Array(options.junkBeforeFirstFrame));
  parts.push(...frames);
  if (options.id3v1) parts.push(concatBytes(ascii('TAG'), new Uint8Array(125)));
  return concatBytes(...parts);
}

// ---------------------------------------------------------------------------------------------------
// M4A

function box(type: string, ...children: (Uint8Array | number[])[]): Uint8Array {
  const body = concatBytes(...children);
  return concatBytes(u32be(body.length + 8), ascii(type), body);
}

export interface M4aOptions {
  timescale?: number;
  /** In timescale units. */
  duration: number;
  mvhdVersion?: 0 | 1;
  mdatBytes?: number;
  /** Put moov before mdat ("fast start"); default after, as most encoders write it. */
  moovFirst?: boolean;
  majorBrand?: string;
  sampleRate?: number;
  channels?: number;
  /** Fragmented layout: mvhd duration 0 and the real length in mvex/mehd. */
  fragmented?: boolean;
}

export function mvhd(version: 0 | 1, timescale: number, duration: number): Uint8Array {
  const rest = new Uint8Array(80); // rate, volume, matrix, next_track_ID …
  if (version === 1) {
    const high = Math.floor(duration / 0x100000000);
    return box(
      'mvhd',
      [1, 0, 0, 0],
      new Uint8Array(16),
      u32be(timescale),
      u32be(high),
      u32be(duration >>> 0),
      rest,
    );
  }
  return box('mvhd', [0, 0, 0, 0], new Uint8Array(8), u32be(timescale), u32be(duration), rest);
}

export function m4a(options: M4aOptions): Uint8Array {
  const timescale = options.timescale ?? 44100;
  const sampleRate = options.sampleRate ?? 44100;
  const ftyp = box(
    'ftyp',
    ascii(options.majorBrand ?? 'M4A '),
    u32be(0),
    ascii('M4A '),
    ascii('mp42'),
    ascii('isom'),
  );
  const mp4a = box(
    'mp4a',
    new Uint8Array(6),
    u16be(1),
    new Uint8Array(8),
    u16be(options.channels ?? 2),
    u16be(16),
    u16be(0),
    u16be(0),
    u16be(sampleRate),
    u16be(0),
  );
  const stsd = box('stsd', [0, 0, 0, 0], u32be(1), mp4a);
  const hdlr = box('hdlr', [0, 0, 0, 0], u32be(0), ascii('soun'), new Uint8Array(12), [0]);
  const trak = box(
    'trak',
    box('tkhd', new Uint8Array(84)),
    box('mdia', hdlr, box('minf', box('stbl', stsd))),
  );
  const children: Uint8Array[] = [
    mvhd(options.mvhdVersion ?? 0, timescale, options.fragmented ? 0 : options.duration),
  ];
  children.push(trak);
  if (options.fragmented) children.push(box('mvex', box('mehd', [0, 0, 0, 0], u32be(options.duration))));
  const moov = box('moov', ...children);
  const mdat = box('mdat', new Uint8Array(options.mdatBytes ?? 1000));
  return options.moovFirst ? concatBytes(ftyp, moov, mdat) : concatBytes(ftyp, mdat, moov);
}

// ---------------------------------------------------------------------------------------------------
// AAC (ADTS)

const ADTS_RATES = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350];

export interface AdtsOptions {
  frames: number;
  sampleRate?: number;
  channels?: number;
  /** Payload bytes per frame (after the 7-byte header). */
  payloadBytes?: number;
  id3Bytes?: number;
}

export function adts(options: AdtsOptions): Uint8Array {
  const rateIndex = ADTS_RATES.indexOf(options.sampleRate ?? 44100);
  const channels = options.channels ?? 2;
  const frameLength = 7 + (options.payloadBytes ?? 100);
  const header = [
    0xff,
    0xf1, // MPEG-4, layer 00, no CRC
    (1 << 6) | (rateIndex << 2) | (channels >>> 2), // AAC LC
    ((channels & 3) << 6) | ((frameLength >>> 11) & 3),
    (frameLength >>> 3) & 0xff,
    ((frameLength & 7) << 5) | 0x1f,
    0xfc, // buffer fullness 0x7FF, one raw data block
  ];
  const output = new Uint8Array(frameLength * options.frames);
  for (let index = 0; index < options.frames; index++) output.set(header, index * frameLength);
  return options.id3Bytes === undefined ? output : concatBytes(id3v2(options.id3Bytes), output);
}

// ---------------------------------------------------------------------------------------------------
// Others (format detection only)

export function flac(sampleRate: number, totalSamples: number): Uint8Array {
  const streamInfo = new Uint8Array(34);
  streamInfo.set([...u16be(4096), ...u16be(4096)], 0);
  streamInfo[10] = (sampleRate >>> 12) & 0xff;
  streamInfo[11] = (sampleRate >>> 4) & 0xff;
  streamInfo[12] = ((sampleRate & 0x0f) << 4) | ((2 - 1) << 1) | 0; // stereo, 16-bit (bps-1 = 15 spans bytes)
  streamInfo[13] = (15 & 0x0f) << 4;
  streamInfo.set(u32be(totalSamples), 14);
  return concatBytes(ascii('fLaC'), [0x80, 0, 0, 34], streamInfo);
}

export function ogg(): Uint8Array {
  return concatBytes(ascii('OggS'), [0, 2], new Uint8Array(22), ascii('\x01vorbis'));
}

// ---------------------------------------------------------------------------------------------------
// Sources

/** Wrap a source and record every read, to prove inspection touches headers only. */
export function countingSource(inner: ByteSource): ByteSource & { reads: number; bytesRead: number } {
  const counter = {
    size: inner.size,
    reads: 0,
    bytesRead: 0,
    read(offset: number, length: number) {
      const bytes = inner.read(offset, length);
      counter.reads++;
      counter.bytesRead += bytes.length;
      return bytes;
    },
  };
  return counter;
}
