import { ascii, uint16LE, uint32BE, uint32LE, uint64BE } from './binary.js';
import type { ByteSource } from './byte-source.js';

/** Container/codec decided from content. Kling accepts mp3, wav, m4a and aac; the rest are named for errors. */
export type AudioContainerFormat = 'mp3' | 'wav' | 'm4a' | 'aac' | 'ogg' | 'flac' | 'unknown';

export interface AudioInfo {
  format: AudioContainerFormat;
  /** Length in seconds when the headers tell it (always for well-formed mp3, wav, m4a, aac). */
  durationSeconds?: number;
  /** Size of the whole file in bytes. */
  bytes: number;
  sampleRate?: number;
  channels?: number;
}

/** MP4 brands that mean "an MP4/M4A audio file"; HEIF, QuickTime and 3GP brands are not. */
const M4A_BRANDS = new Set([
  'M4A ',
  'M4B ',
  'M4P ',
  'mp41',
  'mp42',
  'isom',
  'iso2',
  'iso3',
  'iso4',
  'iso5',
  'iso6',
  'dash',
  'f4a ',
]);

/** How far past an ID3 tag to look for the first frame (encoders may leave padding or junk). */
const SYNC_SEARCH_BYTES = 64 * 1024;
/** Frames hopped before extrapolating: real 5 MB AAC files have ~15K frames; this bounds hostile input. */
const MAX_ADTS_FRAMES = 200_000;
/** Box and chunk walks stop after this many headers (a real file has tens). */
const MAX_HEADERS = 10_000;

export function inspectAudio(source: ByteSource): AudioInfo {
  const bytes = source.size;
  const head = source.read(0, 16);
  const magic = ascii(head, 0, 4);
  if (magic === 'RIFF' && ascii(head, 8, 4) === 'WAVE')
    return { format: 'wav', bytes, ...inspectWav(source) };
  if (magic === 'fLaC') return { format: 'flac', bytes, ...inspectFlac(source, 0) };
  if (magic === 'OggS') return { format: 'ogg', bytes };
  if (ascii(head, 4, 4) === 'ftyp') return inspectMp4(source);
  // ID3v2 tags precede MP3 frames and sometimes ADTS streams; skip them, then look at what follows.
  const audioStart = skipId3v2(source, 0);
  const afterTag = source.read(audioStart, 4);
  if (ascii(afterTag, 0, 4) === 'fLaC') return { format: 'flac', bytes, ...inspectFlac(source, audioStart) };
  const frameStart = audioStart > 0 ? findFrameSync(source, audioStart) : 0;
  if (frameStart === undefined) return { format: 'unknown', bytes };
  const first = source.read(frameStart, 7);
  if (parseAdtsHeader(first)) return { format: 'aac', bytes, ...inspectAdts(source, frameStart) };
  const frame = parseMpegHeader(first);
  if (frame) return { format: 'mp3', bytes, ...inspectMp3(source, frameStart, frame) };
  return { format: 'unknown', bytes };
}

// ---------------------------------------------------------------------------------------------------
// WAV

type Timing = { durationSeconds?: number; sampleRate?: number; channels?: number };

function timing(durationSeconds: number | undefined, sampleRate?: number, channels?: number): Timing {
  const result: Timing = {};
  if (durationSeconds !== undefined && Number.isFinite(durationSeconds) && durationSeconds >= 0) {
    result.durationSeconds = durationSeconds;
  }
  if (sampleRate) result.sampleRate = sampleRate;
  if (channels) result.channels = channels;
  return result;
}

/**
 * Walk RIFF chunks by header (id + size) to `fmt ` and `data`. Chunks are padded to even sizes; a data
 * size beyond the end of the file (streamed or truncated recordings write 0xFFFFFFFF) counts only the
 * bytes actually present.
 */
function inspectWav(source: ByteSource): Timing {
  let offset = 12;
  let byteRate: number | undefined;
  let sampleRate: number | undefined;
  let channels: number | undefined;
  let dataBytes: number | undefined;
  for (let chunk = 0; chunk < MAX_HEADERS && offset + 8 <= source.size; chunk++) {
    const header = source.read(offset, 8);
    const id = ascii(header, 0, 4);
    const size = uint32LE(header, 4);
    if (id === 'fmt ') {
      const format = source.read(offset + 8, 16);
      if (format.length < 16) break;
      channels = uint16LE(format, 2);
      sampleRate = uint32LE(format, 4);
      const blockAlign = uint16LE(format, 12);
      byteRate = uint32LE(format, 8) || sampleRate * blockAlign;
    } else if (id === 'data') {
      dataBytes = Math.min(size, source.size - offset - 8);
    }
    if (byteRate !== undefined && dataBytes !== undefined) break;
    offset += 8 + size + (size & 1);
  }
  const durationSeconds = byteRate && dataBytes !== undefined ? dataBytes / byteRate : undefined;
  return timing(durationSeconds, sampleRate, channels);
}

// ---------------------------------------------------------------------------------------------------
// FLAC (not accepted by Kling; the duration only makes the error friendlier)

function inspectFlac(source: ByteSource, start: number): Timing {
  // STREAMINFO is the mandatory first metadata block: 4-byte block header, then 34 bytes.
  const info = source.read(start + 4, 4 + 18);
  if (info.length < 22 || (info[0]! & 0x7f) !== 0) return {};
  const sampleRate = (info[14]! << 12) | (info[15]! << 4) | (info[16]! >>> 4);
  const channels = ((info[16]! >>> 1) & 7) + 1;
  const totalSamples = (info[17]! & 0x0f) * 0x100000000 + uint32BE(info, 18);
  const durationSeconds = sampleRate > 0 && totalSamples > 0 ? totalSamples / sampleRate : undefined;
  return timing(durationSeconds, sampleRate, channels);
}

// ---------------------------------------------------------------------------------------------------
// ID3v2 and frame sync

/** Offset after any ID3v2 tags at `offset` (several may be stacked); `offset` itself if none. */
function skipId3v2(source: ByteSource, offset: number): number {
  let position = offset;
  for (let tag = 0; tag < 16; tag++) {
    const header = source.read(position, 10);
    if (header.length < 10 || ascii(header, 0, 3) !== 'ID3') return position;
    // Tag size is "syncsafe": four 7-bit bytes.
    const size = ((header[6]! & 0x7f) << 21) | ((header[7]! & 0x7f) << 14) | ((header[8]! & 0x7f) << 7);
    const footer = header[5]! & 0x10 ? 10 : 0;
    position += 10 + (size | (header[9]! & 0x7f)) + footer;
  }
  return position;
}

/**
 * First offset at or after `start` (within SYNC_SEARCH_BYTES) holding an MPEG layer III or ADTS header
 * whose successor, when the file is long enough to have one, is also a valid header; that second check
 * keeps stray 0xFF bytes in padding from passing as a frame.
 */
function findFrameSync(source: ByteSource, start: number): number | undefined {
  const window = source.read(start, SYNC_SEARCH_BYTES);
  for (let index = 0; index + 7 <= window.length; index++) {
    if (window[index] !== 0xff || (window[index + 1]! & 0xe0) !== 0xe0) continue;
    const header = window.subarray(index, index + 7);
    const length = parseAdtsHeader(header)?.frameLength ?? parseMpegHeader(header)?.frameLength;
    if (length === undefined) continue;
    const nextOffset = start + index + length;
    if (nextOffset + 4 > source.size) return start + index;
    const next = source.read(nextOffset, 7);
    if (parseAdtsHeader(next) || parseMpegHeader(next)) return start + index;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------
// MP3 (MPEG-1, -2 and -2.5 layer III)

interface MpegFrame {
  mpeg1: boolean;
  sampleRate: number;
  bitrateKbps: number;
  samplesPerFrame: number;
  frameLength: number;
  channels: number;
  /** Bytes of side information after the 4-byte header: where a Xing/Info header starts. */
  sideInfoBytes: number;
}

const LAYER3_BITRATES_MPEG1 = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320];
const LAYER3_BITRATES_MPEG2 = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160];
/** Indexed by the 2-bit version field: 0 = MPEG-2.5, 1 = reserved, 2 = MPEG-2, 3 = MPEG-1. */
const MPEG_SAMPLE_RATES = [[11025, 12000, 8000], [], [22050, 24000, 16000], [44100, 48000, 32000]];

function parseMpegHeader(header: Uint8Array): MpegFrame | undefined {
  if (header.length < 4 || header[0] !== 0xff || (header[1]! & 0xe0) !== 0xe0) return undefined;
  const version = (header[1]! >>> 3) & 3;
  const layer = (header[1]! >>> 1) & 3;
  const bitrateIndex = header[2]! >>> 4;
  const sampleRateIndex = (header[2]! >>> 2) & 3;
  // Layer III only (01); free-format (0) and bad (15) bitrates make the frame length unknowable.
  if (version === 1 || layer !== 1 || bitrateIndex === 0 || bitrateIndex === 15 || sampleRateIndex === 3) {
    return undefined;
  }
  const mpeg1 = version === 3;
  const sampleRate = MPEG_SAMPLE_RATES[version]![sampleRateIndex]!;
  const bitrateKbps = (mpeg1 ? LAYER3_BITRATES_MPEG1 : LAYER3_BITRATES_MPEG2)[bitrateIndex]!;
  const samplesPerFrame = mpeg1 ? 1152 : 576;
  const padding = (header[2]! >>> 1) & 1;
  const mono = header[3]! >>> 6 === 3;
  return {
    mpeg1,
    sampleRate,
    bitrateKbps,
    samplesPerFrame,
    frameLength: Math.floor(((samplesPerFrame / 8) * bitrateKbps * 1000) / sampleRate) + padding,
    channels: mono ? 1 : 2,
    sideInfoBytes: mpeg1 ? (mono ? 17 : 32) : mono ? 9 : 17,
  };
}

/**
 * VBR files say their frame count in a Xing/Info header (inside the first frame, after the side info)
 * or a VBRI header (fixed offset 32 after the frame header). Without one, the stream is CBR and the
 * duration is the audio bytes over the bitrate (an ID3v1 tag at the end is not audio).
 */
function inspectMp3(source: ByteSource, frameStart: number, frame: MpegFrame): Timing {
  const xing = source.read(frameStart + 4 + frame.sideInfoBytes, 12);
  const xingTag = ascii(xing, 0, 4);
  let frames: number | undefined;
  if ((xingTag === 'Xing' || xingTag === 'Info') && xing.length >= 12 && uint32BE(xing, 4) & 1) {
    frames = uint32BE(xing, 8);
  } else {
    const vbri = source.read(frameStart + 4 + 32, 18);
    if (ascii(vbri, 0, 4) === 'VBRI' && vbri.length >= 18) frames = uint32BE(vbri, 14);
  }
  if (frames) {
    return timing((frames * frame.samplesPerFrame) / frame.sampleRate, frame.sampleRate, frame.channels);
  }
  const id3v1 = source.size - frameStart >= 128 && ascii(source.read(source.size - 128, 3), 0, 3) === 'TAG';
  const audioBytes = source.size - frameStart - (id3v1 ? 128 : 0);
  return timing((audioBytes * 8) / (frame.bitrateKbps * 1000), frame.sampleRate, frame.channels);
}

// ---------------------------------------------------------------------------------------------------
// AAC in ADTS

const ADTS_SAMPLE_RATES = [
  96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350,
];

interface AdtsFrame {
  sampleRate: number;
  channels: number;
  frameLength: number;
  /** Raw data blocks in the frame; each is 1024 samples. */
  blocks: number;
}

function parseAdtsHeader(header: Uint8Array): AdtsFrame | undefined {
  // 12-bit sync 0xFFF, then ID, then layer which is always 00 (MP3's layer field is never 00).
  if (header.length < 7 || header[0] !== 0xff || (header[1]! & 0xf6) !== 0xf0) return undefined;
  const sampleRate = ADTS_SAMPLE_RATES[(header[2]! >>> 2) & 0x0f];
  const frameLength = ((header[3]! & 0x03) << 11) | (header[4]! << 3) | (header[5]! >>> 5);
  const headerLength = header[1]! & 1 ? 7 : 9; // protection_absent = 0 adds a CRC
  if (sampleRate === undefined || frameLength < headerLength) return undefined;
  return {
    sampleRate,
    channels: ((header[2]! & 1) << 2) | (header[3]! >>> 6),
    frameLength,
    blocks: (header[6]! & 3) + 1,
  };
}

/**
 * ADTS has no index or total length, so hop from header to header by `frame_length`, reading 7 bytes
 * per frame. A frame whose header is present counts even if its payload is cut short.
 */
function inspectAdts(source: ByteSource, start: number): Timing {
  const first = parseAdtsHeader(source.read(start, 7))!;
  let offset = start;
  let blocks = 0;
  let frames = 0;
  while (offset + 7 <= source.size && frames < MAX_ADTS_FRAMES) {
    const frame = parseAdtsHeader(source.read(offset, 7));
    if (!frame) break;
    blocks += frame.blocks;
    frames++;
    offset += frame.frameLength;
  }
  let durationSeconds = (blocks * 1024) / first.sampleRate;
  // Gave up early on a pathological stream: extrapolate from the bytes walked so far.
  if (frames === MAX_ADTS_FRAMES && offset < source.size) {
    durationSeconds *= (source.size - start) / (offset - start);
  }
  return timing(durationSeconds, first.sampleRate, first.channels);
}

// ---------------------------------------------------------------------------------------------------
// MP4 / M4A

interface BoxHeader {
  type: string;
  offset: number;
  /** Whole box, header included, clamped to its parent's end (truncated files are common). */
  size: number;
  headerSize: number;
}

function readBoxHeader(source: ByteSource, offset: number, parentEnd: number): BoxHeader | undefined {
  if (offset + 8 > parentEnd) return undefined;
  const header = source.read(offset, 16);
  if (header.length < 8) return undefined;
  const type = ascii(header, 4, 4);
  let size = uint32BE(header, 0);
  let headerSize = 8;
  if (size === 1) {
    // 64-bit "largesize": an mdat over 4 GB.
    if (header.length < 16) return undefined;
    size = uint64BE(header, 8);
    headerSize = 16;
  } else if (size === 0) {
    size = parentEnd - offset; // "extends to the end of the file"
  }
  if (size < headerSize) return undefined;
  return { type, offset, size: Math.min(size, parentEnd - offset), headerSize };
}

/** The first child box of `type` inside `[start, end)`, reading headers only. */
function findChildBox(source: ByteSource, start: number, end: number, type: string): BoxHeader | undefined {
  let offset = start;
  for (let count = 0; count < MAX_HEADERS; count++) {
    const box = readBoxHeader(source, offset, end);
    if (!box) return undefined;
    if (box.type === type) return box;
    offset += box.size;
  }
  return undefined;
}

function childrenOf(box: BoxHeader): [start: number, end: number] {
  return [box.offset + box.headerSize, box.offset + box.size];
}

/** The major brand decides: a HEIF image may list `iso8` among its compatible brands, an M4A never `heic`. */
function isM4aFtyp(source: ByteSource, ftyp: BoxHeader): boolean {
  return M4A_BRANDS.has(ascii(source.read(ftyp.offset + 8, 4), 0, 4));
}

/**
 * Walk top-level boxes by header to `moov` (often after a multi-megabyte `mdat`, skipped by size),
 * then read `mvhd` (version 0: 32-bit times; version 1: 64-bit). Fragmented files carry the length in
 * `mvex/mehd` instead. Sample rate and channels come from the first sound track's `mp4a` entry.
 */
function inspectMp4(source: ByteSource): AudioInfo {
  const bytes = source.size;
  const ftyp = readBoxHeader(source, 0, source.size);
  if (ftyp?.type !== 'ftyp' || !isM4aFtyp(source, ftyp)) return { format: 'unknown', bytes };
  const moov = findChildBox(source, 0, source.size, 'moov');
  if (!moov) return { format: 'm4a', bytes };
  const [moovStart, moovEnd] = childrenOf(moov);
  let durationSeconds: number | undefined;
  let timescale = 0;
  const mvhd = findChildBox(source, moovStart, moovEnd, 'mvhd');
  if (mvhd) {
    const body = source.read(mvhd.offset + mvhd.headerSize, 32);
    const version = body[0];
    timescale = version === 1 ? uint32BE(body, 20) : uint32BE(body, 12);
    const duration = version === 1 ? uint64BE(body, 24) : uint32BE(body, 16);
    const unknown = version === 1 ? duration === 2 ** 64 - 1 : duration === 0xffffffff;
    if (timescale > 0 && duration > 0 && !unknown && body.length >= (version === 1 ? 32 : 20)) {
      durationSeconds = duration / timescale;
    }
  }
  if (durationSeconds === undefined && timescale > 0) {
    const mvex = findChildBox(source, moovStart, moovEnd, 'mvex');
    const mehd = mvex && findChildBox(source, ...childrenOf(mvex), 'mehd');
    if (mehd) {
      const body = source.read(mehd.offset + mehd.headerSize, 12);
      const duration = body[0] === 1 ? uint64BE(body, 4) : uint32BE(body, 4);
      if (duration > 0) durationSeconds = duration / timescale;
    }
  }
  return {
    format: 'm4a',
    bytes,
    ...timing(durationSeconds, ...soundTrackFormat(source, moovStart, moovEnd)),
  };
}

/** [sampleRate, channels] of the first `trak` whose handler is `soun`, from its `mp4a` sample entry. */
function soundTrackFormat(source: ByteSource, moovStart: number, moovEnd: number): [number?, number?] {
  let offset = moovStart;
  for (let count = 0; count < MAX_HEADERS; count++) {
    const trak = readBoxHeader(source, offset, moovEnd);
    if (!trak) return [];
    offset += trak.size;
    if (trak.type !== 'trak') continue;
    const mdia = findChildBox(source, ...childrenOf(trak), 'mdia');
    if (!mdia) continue;
    const hdlr = findChildBox(source, ...childrenOf(mdia), 'hdlr');
    // hdlr body: version/flags(4) pre_defined(4) handler_type(4)
    if (!hdlr || ascii(source.read(hdlr.offset + hdlr.headerSize + 8, 4), 0, 4) !== 'soun') continue;
    const minf = findChildBox(source, ...childrenOf(mdia), 'minf');
    const stbl = minf && findChildBox(source, ...childrenOf(minf), 'stbl');
    const stsd = stbl && findChildBox(source, ...childrenOf(stbl), 'stsd');
    if (!stsd) return [];
    // stsd: version/flags(4) entry_count(4), then the first sample entry box: size(4) type(4)
    // reserved(6) data_reference_index(2) reserved(8) channelcount(2) samplesize(2) pre_defined(2)
    // reserved(2) samplerate(16.16).
    const entry = source.read(stsd.offset + stsd.headerSize + 8, 36);
    if (entry.length < 36) return [];
    const channels = (entry[24]! << 8) | entry[25]!;
    const sampleRate = (entry[32]! << 8) | entry[33]!;
    return [sampleRate || undefined, channels || undefined];
  }
  return [];
}
