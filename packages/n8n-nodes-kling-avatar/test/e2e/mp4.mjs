// Checks that a file is a playable MP4 of the expected length: the ISO-BMFF boxes (ftyp, moov with
// mvhd, one video and one audio trak, mdat) are read directly, and when an ffprobe binary is available
// (the @ffprobe-installer package) the video stream is also decoded frame by frame.
import { spawnSync } from 'node:child_process';
import { accessSync, chmodSync, constants, copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function boxes(buffer, start = 0, end = buffer.length) {
  const found = [];
  let offset = start;
  while (offset + 8 <= end) {
    let size = buffer.readUInt32BE(offset);
    const type = buffer.toString('latin1', offset + 4, offset + 8);
    let header = 8;
    if (size === 1) {
      size = Number(buffer.readBigUInt64BE(offset + 8));
      header = 16;
    } else if (size === 0) {
      size = end - offset;
    }
    if (size < header || offset + size > end) break;
    found.push({ type, start: offset + header, end: offset + size });
    offset += size;
  }
  return found;
}

const child = (buffer, box, type) => boxes(buffer, box.start, box.end).find((entry) => entry.type === type);

function fullBoxTime(buffer, box) {
  const version = buffer[box.start];
  return version === 1
    ? {
        timescale: buffer.readUInt32BE(box.start + 20),
        duration: Number(buffer.readBigUInt64BE(box.start + 24)),
      }
    : { timescale: buffer.readUInt32BE(box.start + 12), duration: buffer.readUInt32BE(box.start + 16) };
}

/** Parse an MP4 file's structure. */
export function inspectMp4(path) {
  const buffer = readFileSync(path);
  const top = boxes(buffer);
  const ftyp = top.find((box) => box.type === 'ftyp');
  const moov = top.find((box) => box.type === 'moov');
  const mdat = top.find((box) => box.type === 'mdat');
  if (!ftyp || !moov || !mdat) {
    return { ok: false, reason: `top-level boxes: ${top.map((box) => box.type).join(', ') || 'none'}` };
  }
  const mvhd = child(buffer, moov, 'mvhd');
  const movie = fullBoxTime(buffer, mvhd);
  const tracks = boxes(buffer, moov.start, moov.end)
    .filter((box) => box.type === 'trak')
    .map((trak) => {
      const mdia = child(buffer, trak, 'mdia');
      const mdhd = fullBoxTime(buffer, child(buffer, mdia, 'mdhd'));
      const hdlr = child(buffer, mdia, 'hdlr');
      const stsd = child(buffer, child(buffer, child(buffer, mdia, 'minf'), 'stbl'), 'stsd');
      return {
        handler: buffer.toString('latin1', hdlr.start + 8, hdlr.start + 12),
        codec: buffer.toString('latin1', stsd.start + 12, stsd.start + 16),
        durationSeconds: mdhd.duration / mdhd.timescale,
      };
    });
  return {
    ok: true,
    brand: buffer.toString('latin1', ftyp.start, ftyp.start + 4),
    bytes: buffer.length,
    mdatBytes: mdat.end - mdat.start,
    durationSeconds: movie.duration / movie.timescale,
    tracks,
  };
}

/** An executable ffprobe from @ffprobe-installer, or undefined. pnpm may skip its chmod postinstall. */
export function ffprobePath() {
  let path;
  try {
    path = createRequire(import.meta.url)('@ffprobe-installer/ffprobe').path;
  } catch {
    return undefined;
  }
  if (!path || !existsSync(path)) return undefined;
  try {
    accessSync(path, constants.X_OK);
    return path;
  } catch {
    const directory = join(tmpdir(), 'kling-avatar-ffprobe');
    mkdirSync(directory, { recursive: true });
    const copy = join(directory, 'ffprobe');
    if (!existsSync(copy)) {
      copyFileSync(path, copy);
      chmodSync(copy, 0o755);
    }
    return copy;
  }
}

/** ffprobe's view: duration and streams, and the number of video frames that actually decode. */
export function probeMp4(path) {
  const ffprobe = ffprobePath();
  if (!ffprobe) return undefined;
  const result = spawnSync(
    ffprobe,
    [
      '-v',
      'error',
      '-count_frames',
      '-show_entries',
      'format=duration:stream=codec_type,codec_name,width,height,nb_read_frames',
      '-of',
      'json',
      path,
    ],
    { encoding: 'utf8' },
  );
  if (result.status !== 0) return { ok: false, error: result.stderr };
  const json = JSON.parse(result.stdout);
  return { ok: true, durationSeconds: Number(json.format?.duration), streams: json.streams ?? [] };
}
