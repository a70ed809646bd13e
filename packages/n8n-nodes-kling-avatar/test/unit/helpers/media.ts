/** Tiny media files whose headers core's inspectors read (content beyond the headers is filler). */

function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let index = 0; index < 4; index++) out[4 + index] = type.charCodeAt(index);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/** A PNG header (signature + IHDR) for a `width`×`height` RGB image. */
export function pngBytes(width: number, height: number): Uint8Array {
  const header = new Uint8Array(13);
  const view = new DataView(header.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  header[8] = 8; // bit depth
  header[9] = 2; // RGB
  const signature = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);
  const ihdr = chunk('IHDR', header);
  const end = chunk('IEND', new Uint8Array(0));
  const out = new Uint8Array(signature.length + ihdr.length + end.length);
  out.set(signature, 0);
  out.set(ihdr, signature.length);
  out.set(end, signature.length + ihdr.length);
  return out;
}

/** A mono 8 kHz 8-bit PCM WAV of `seconds` (silence). */
export function wavBytes(seconds: number): Uint8Array {
  const sampleRate = 8000;
  const dataBytes = Math.round(seconds * sampleRate);
  const out = new Uint8Array(44 + dataBytes).fill(128, 44);
  const view = new DataView(out.buffer);
  const ascii = (at: number, text: string) => {
    for (let index = 0; index < text.length; index++) out[at + index] = text.charCodeAt(index);
  };
  ascii(0, 'RIFF');
  view.setUint32(4, 36 + dataBytes, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true); // PCM
  view.setUint16(22, 1, true); // mono
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate, true); // byte rate
  view.setUint16(32, 1, true); // block align
  view.setUint16(34, 8, true); // bits per sample
  ascii(36, 'data');
  view.setUint32(40, dataBytes, true);
  return out;
}
