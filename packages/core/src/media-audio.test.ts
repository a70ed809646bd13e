import { describe, expect, it } from 'vitest';
import {
  adts,
  concatBytes,
  countingSource,
  flac,
  id3v2,
  jpeg,
  MiB,
  m4a,
  mp3,
  mp3FrameLength,
  mvhd,
  ogg,
  toBase64,
  wav,
} from '../test/fixtures.js';
import { type ByteSource, base64Source, bytesSource } from './byte-source.js';
import { inspectAudio } from './media-audio.js';

const inspect = (bytes: Uint8Array) => inspectAudio(bytesSource(bytes));

describe('inspectAudio: WAV', () => {
  it('divides the data chunk by the byte rate', () => {
    const bytes = wav({ sampleRate: 16000, channels: 2, durationSeconds: 3.5 });
    expect(inspect(bytes)).toEqual({
      format: 'wav',
      durationSeconds: 3.5,
      bytes: bytes.length,
      sampleRate: 16000,
      channels: 2,
    });
  });

  it('steps over odd-sized chunks plus their pad byte', () => {
    expect(inspect(wav({ durationSeconds: 2, oddChunkBytes: 13 })).durationSeconds).toBe(2);
  });

  it('uses the bytes really present when the data size claims more (streamed or truncated files)', () => {
    const bytes = wav({ sampleRate: 8000, dataBytes: 48000, declaredDataBytes: 0xffffffff });
    expect(inspect(bytes).durationSeconds).toBe(3);
    const truncated = wav({ sampleRate: 8000, dataBytes: 64000 }).subarray(0, 44 + 16000);
    expect(inspect(truncated).durationSeconds).toBe(1);
  });

  it('reads only chunk headers of a 5 MiB WAV', () => {
    const source = countingSource(
      base64Source(toBase64(wav({ sampleRate: 22050, dataBytes: 5 * MiB - 44 }))),
    );
    expect(inspectAudio(source)).toMatchObject({ format: 'wav', bytes: 5 * MiB });
    expect(source.bytesRead).toBeLessThan(64);
  });

  it('has no duration without a fmt chunk', () => {
    const bytes = wav({ durationSeconds: 2 });
    bytes.set([0x78, 0x78, 0x78, 0x78], 12); // rename "fmt " to "xxxx"
    expect(inspect(bytes)).toEqual({ format: 'wav', bytes: bytes.length });
  });
});

describe('inspectAudio: MP3', () => {
  const frameLength = mp3FrameLength(1, 128, 44100);

  it('estimates CBR duration from bytes and bitrate, after an ID3v2 tag and before an ID3v1 tag', () => {
    const frames = 200;
    const bytes = mp3({ frames, id3Bytes: 3000, id3v1: true });
    const info = inspect(bytes);
    expect(info).toMatchObject({ format: 'mp3', sampleRate: 44100, channels: 2, bytes: bytes.length });
    expect(info.durationSeconds).toBeCloseTo((frames * frameLength * 8) / 128000, 9);
    // Silent frames without padding bits run 0.2% short of the real 1152-sample frame time.
    expect(info.durationSeconds! / ((frames * 1152) / 44100)).toBeCloseTo(1, 2);
  });

  it('uses the Xing frame count for VBR files', () => {
    const info = inspect(mp3({ frames: 10, xing: { tag: 'Xing', frames: 7657 } }));
    expect(info.durationSeconds).toBeCloseTo((7657 * 1152) / 44100, 9);
  });

  it('uses the LAME Info frame count for CBR files that carry one', () => {
    expect(
      inspect(mp3({ frames: 5, xing: { tag: 'Info', frames: 100 }, mono: true })).durationSeconds,
    ).toBeCloseTo((100 * 1152) / 44100, 9);
  });

  it('uses a VBRI frame count', () => {
    expect(inspect(mp3({ frames: 3, vbri: { frames: 1000 } })).durationSeconds).toBeCloseTo(
      (1000 * 1152) / 44100,
      9,
    );
  });

  it('handles MPEG-2 and MPEG-2.5 layer III (576 samples per frame)', () => {
    expect(inspect(mp3({ frames: 4, version: 2, xing: { tag: 'Xing', frames: 500 } }))).toMatchObject({
      format: 'mp3',
      sampleRate: 22050,
      durationSeconds: (500 * 576) / 22050,
    });
    const mpeg25 = inspect(mp3({ frames: 50, version: 2.5, bitrateKbps: 32, sampleRate: 8000, mono: true }));
    expect(mpeg25).toMatchObject({ format: 'mp3', sampleRate: 8000, channels: 1 });
    expect(mpeg25.durationSeconds).toBeCloseTo((50 * mp3FrameLength(2.5, 32, 8000) * 8) / 32000, 9);
  });

  it('finds the first frame after zero padding that follows the ID3 tag', () => {
    const info = inspect(mp3({ frames: 20, id3Bytes: 100, junkBeforeFirstFrame: 333 }));
    expect(info).toMatchObject({ format: 'mp3', sampleRate: 44100 });
  });

  it('reads only headers of a 5 MiB MP3 with a large ID3 tag', () => {
    const frames = Math.floor((5 * MiB - 200_010) / frameLength);
    const source = countingSource(base64Source(toBase64(mp3({ frames, id3Bytes: 200_000 }))));
    expect(inspectAudio(source)).toMatchObject({ format: 'mp3' });
    expect(source.bytesRead).toBeLessThan(70 * 1024); // the 64 KiB sync window after the tag, at most
  });

  it('calls an ID3 tag with nothing recognisable after it unknown', () => {
    expect(inspect(concatBytes(id3v2(50), new Uint8Array(500)))).toMatchObject({ format: 'unknown' });
    expect(inspect(id3v2(5000).subarray(0, 200))).toMatchObject({ format: 'unknown' });
  });

  it('rejects MPEG layer II (MP2), which Kling does not list', () => {
    const layer2 = mp3({ frames: 10 });
    for (let offset = 0; offset < layer2.length; offset += frameLength) layer2[offset + 1] = 0xfd; // layer bits 10
    expect(inspect(layer2).format).toBe('unknown');
  });
});

describe('inspectAudio: M4A', () => {
  it('finds moov after a large mdat and reads mvhd version 0', () => {
    const bytes = m4a({ duration: 44100 * 12, mdatBytes: 3 * MiB });
    const source = countingSource(bytesSource(bytes));
    expect(inspectAudio(source)).toEqual({
      format: 'm4a',
      durationSeconds: 12,
      bytes: bytes.length,
      sampleRate: 44100,
      channels: 2,
    });
    expect(source.bytesRead).toBeLessThan(1024);
  });

  it('reads mvhd version 1 (64-bit times) and moov before mdat', () => {
    expect(
      inspect(m4a({ duration: 1000 * 300, timescale: 1000, mvhdVersion: 1, moovFirst: true })),
    ).toMatchObject({
      format: 'm4a',
      durationSeconds: 300,
    });
  });

  it("reads a fragmented file's length from mvex/mehd", () => {
    expect(inspect(m4a({ duration: 44100 * 4, fragmented: true })).durationSeconds).toBe(4);
  });

  it('accepts the M4A, mp42 and isom brands; not HEIF or QuickTime', () => {
    for (const brand of ['M4A ', 'mp42', 'isom']) {
      expect(inspect(m4a({ duration: 44100, majorBrand: brand })).format).toBe('m4a');
    }
    for (const brand of ['heic', 'qt  ', '3gp4']) {
      expect(inspect(m4a({ duration: 44100, majorBrand: brand })).format).toBe('unknown');
    }
  });

  it('skips a 64-bit mdat larger than 4 GiB by its header alone', () => {
    // A virtual 5 GiB file: ftyp, an mdat with a largesize header, then moov. Only headers are readable.
    const ftyp = m4a({ duration: 1 }).subarray(0, 28);
    const mdatSize = 5 * 1024 * MiB;
    const mdatHeader = concatBytes([0, 0, 0, 1], [0x6d, 0x64, 0x61, 0x74], [0, 0, 0, 1, 0x40, 0, 0, 0]);
    const moovBody = mvhd(1, 48000, 48000 * 250);
    const moov = concatBytes([0, 0, 0, moovBody.length + 8], [0x6d, 0x6f, 0x6f, 0x76], moovBody);
    const moovOffset = 28 + mdatSize;
    const reads: number[] = [];
    const source: ByteSource = {
      size: moovOffset + moov.length,
      read(offset, length) {
        reads.push(offset);
        if (offset < 28) return ftyp.subarray(offset, offset + length);
        if (offset >= 28 && offset < 28 + 16) return mdatHeader.subarray(offset - 28, offset - 28 + length);
        if (offset >= moovOffset) return moov.subarray(offset - moovOffset, offset - moovOffset + length);
        throw new Error(`read inside mdat at ${offset}`);
      },
    };
    expect(mdatSize).toBe(0x1_4000_0000);
    expect(inspectAudio(source)).toMatchObject({ format: 'm4a', durationSeconds: 250 });
  });

  it('has no duration when moov is missing or mvhd says "unknown"', () => {
    const noMoov = m4a({ duration: 44100 }).subarray(0, 28 + 1008);
    expect(inspect(noMoov)).toEqual({ format: 'm4a', bytes: noMoov.length });
    const unknown = inspect(m4a({ duration: 0xffffffff }));
    expect(unknown.durationSeconds).toBeUndefined();
  });
});

describe('inspectAudio: AAC (ADTS)', () => {
  it('counts frames by hopping frame_length, 1024 samples each', () => {
    const bytes = adts({ frames: 431, sampleRate: 44100, channels: 2 });
    const source = countingSource(bytesSource(bytes));
    expect(inspectAudio(source)).toEqual({
      format: 'aac',
      durationSeconds: (431 * 1024) / 44100,
      bytes: bytes.length,
      sampleRate: 44100,
      channels: 2,
    });
    expect(source.bytesRead).toBeLessThanOrEqual(64 + 7 * 431); // the 7-byte header of each frame
  });

  it('handles an ID3 tag in front of ADTS', () => {
    expect(inspect(adts({ frames: 100, sampleRate: 16000, channels: 1, id3Bytes: 256 }))).toMatchObject({
      format: 'aac',
      durationSeconds: (100 * 1024) / 16000,
      channels: 1,
    });
  });

  it('stops at the first broken header and counts only the frames before it', () => {
    const bytes = concatBytes(adts({ frames: 50, sampleRate: 48000 }), new Uint8Array(1000));
    expect(inspect(bytes).durationSeconds).toBeCloseTo((50 * 1024) / 48000, 9);
  });
});

describe('inspectAudio: other content', () => {
  it('names FLAC (with its duration) and Ogg, which Kling does not accept', () => {
    expect(inspect(flac(48000, 48000 * 7))).toMatchObject({
      format: 'flac',
      durationSeconds: 7,
      sampleRate: 48000,
      channels: 2,
    });
    expect(inspect(ogg())).toMatchObject({ format: 'ogg' });
  });

  it('calls images, text and empty input unknown', () => {
    expect(inspect(jpeg(300, 300)).format).toBe('unknown');
    expect(inspect(new TextEncoder().encode('not audio at all'))).toEqual({ format: 'unknown', bytes: 16 });
    expect(inspect(new Uint8Array(0))).toEqual({ format: 'unknown', bytes: 0 });
  });

  it('decides by content: an "audio.mp3" holding WAV bytes is WAV', () => {
    const upload = { name: 'audio.mp3', bytes: wav({ durationSeconds: 2 }) };
    expect(inspect(upload.bytes).format).toBe('wav');
  });
});
