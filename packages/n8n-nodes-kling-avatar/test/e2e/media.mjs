// Real media for the end-to-end runs (the sandbox renders them with ffmpeg), made in code so the test
// needs no fixture files or speech tools: a PNG portrait and a WAV of a few seconds of tone.
import { deflateSync } from 'node:zlib';

function crc32(bytes) {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** A `width`×`height` RGB PNG: a face-like disc on a gradient (enough for a visible render). */
export function portraitPng(width = 512, height = 640) {
  const rows = [];
  for (let y = 0; y < height; y++) {
    const row = Buffer.alloc(1 + width * 3);
    for (let x = 0; x < width; x++) {
      const dx = (x - width / 2) / (width * 0.28);
      const dy = (y - height * 0.42) / (height * 0.26);
      const inFace = dx * dx + dy * dy < 1;
      const eye =
        Math.abs(y - height * 0.38) < 10 &&
        (Math.abs(x - width * 0.4) < 14 || Math.abs(x - width * 0.6) < 14);
      const mouth = Math.abs(y - height * 0.53) < 6 && Math.abs(x - width / 2) < 60;
      const [r, g, b] =
        eye || mouth ? [40, 30, 30] : inFace ? [236, 200, 170] : [40 + (y * 120) / height, 90, 160];
      row[1 + x * 3] = r;
      row[2 + x * 3] = g;
      row[3 + x * 3] = b;
    }
    rows.push(row);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8;
  header[9] = 2;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** 16 kHz mono 16-bit PCM: `seconds` of a warbling tone (speech-like loudness changes). */
export function speechWav(seconds = 3) {
  const sampleRate = 16000;
  const samples = Math.round(seconds * sampleRate);
  const out = Buffer.alloc(44 + samples * 2);
  out.write('RIFF', 0, 'latin1');
  out.writeUInt32LE(36 + samples * 2, 4);
  out.write('WAVEfmt ', 8, 'latin1');
  out.writeUInt32LE(16, 16);
  out.writeUInt16LE(1, 20);
  out.writeUInt16LE(1, 22);
  out.writeUInt32LE(sampleRate, 24);
  out.writeUInt32LE(sampleRate * 2, 28);
  out.writeUInt16LE(2, 32);
  out.writeUInt16LE(16, 34);
  out.write('data', 36, 'latin1');
  out.writeUInt32LE(samples * 2, 40);
  for (let index = 0; index < samples; index++) {
    const time = index / sampleRate;
    const envelope = 0.5 + 0.5 * Math.sin(2 * Math.PI * 3 * time);
    const value =
      Math.sin(2 * Math.PI * (180 + 40 * Math.sin(2 * Math.PI * 0.7 * time)) * time) * envelope * 0.5;
    out.writeInt16LE(Math.round(value * 32767), 44 + index * 2);
  }
  return out;
}
