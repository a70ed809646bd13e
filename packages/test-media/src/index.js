/**
 * Small, valid media made in memory for tests and benchmarks: what core, the sandbox and Kling accept
 * as a portrait image and speech audio, without committing binary files. Plain JavaScript (no build
 * step), so benchmarks and tests of every package import it directly.
 */
import { crc32, deflateSync } from 'node:zlib';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function pngChunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typed = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typed) >>> 0);
  return Buffer.concat([length, typed, crc]);
}

/** An 8-bit RGB PNG whose pixel at (x, y) is `pixel(x, y)`. */
function rgbPng(width, height, pixel) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // colour type: RGB
  const stride = 1 + width * 3; // each row starts with filter type 0
  const rows = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) rows.set(pixel(x, y), y * stride + 1 + x * 3);
  }
  return Buffer.concat([
    PNG_SIGNATURE,
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(rows)),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

export function png(width, height, rgb = [40, 90, 160]) {
  return rgbPng(width, height, () => rgb);
}

export function portraitPng(width = 512, height = 640) {
  return rgbPng(width, height, (x, y) => {
    const dx = (x - width / 2) / (width * 0.28);
    const dy = (y - height * 0.42) / (height * 0.26);
    const eye =
      Math.abs(y - height * 0.38) < height * 0.016 &&
      (Math.abs(x - width * 0.4) < width * 0.027 || Math.abs(x - width * 0.6) < width * 0.027);
    const mouth = Math.abs(y - height * 0.53) < height * 0.01 && Math.abs(x - width / 2) < width * 0.12;
    if (eye || mouth) return [40, 30, 30];
    if (dx * dx + dy * dy < 1) return [236, 200, 170];
    return [40 + Math.round((y * 120) / height), 90, 160];
  });
}

export function wav(seconds, { frequency = 220, sampleRate = 16_000, warble = false } = {}) {
  const samples = Math.round(seconds * sampleRate);
  const data = Buffer.alloc(samples * 2);
  for (let index = 0; index < samples; index++) {
    const t = index / sampleRate;
    // A warble (the pitch moving ±40 Hz three times a second) sounds more like a voice than a pure tone.
    const phase = warble
      ? 2 * Math.PI * (frequency + 40 * Math.sin(2 * Math.PI * 3 * t)) * t
      : 2 * Math.PI * frequency * t;
    data.writeInt16LE(Math.round(Math.sin(phase) * 0.3 * 32767), index * 2);
  }
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVEfmt ', 8, 'ascii');
  header.writeUInt32LE(16, 16); // fmt chunk size
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * 2, 28); // bytes per second
  header.writeUInt16LE(2, 32); // block align
  header.writeUInt16LE(16, 34); // bits per sample
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}
