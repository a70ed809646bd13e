/**
 * Speech stand-in for the sandbox's text-to-speech: a real WAV file of the right length (characters ÷ 15
 * per second ÷ speed, §11) whose syllable-like tone bursts give the avatar's waveform something to show.
 */
const SAMPLE_RATE = 16_000;

export function ttsDurationSeconds(text: string, voiceSpeed: number): number {
  return Math.round(([...text].length / 15 / voiceSpeed) * 100) / 100;
}

export function synthesiseSpeechWav(durationSeconds: number, seed: string): Uint8Array {
  const samples = Math.max(1, Math.round(durationSeconds * SAMPLE_RATE));
  const bytes = new Uint8Array(44 + samples * 2);
  const view = new DataView(bytes.buffer);
  const writeAscii = (offset: number, text: string) => {
    for (let index = 0; index < text.length; index++) bytes[offset + index] = text.charCodeAt(index);
  };
  writeAscii(0, 'RIFF');
  view.setUint32(4, 36 + samples * 2, true);
  writeAscii(8, 'WAVEfmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true); // PCM
  view.setUint16(22, 1, true); // mono
  view.setUint32(24, SAMPLE_RATE, true);
  view.setUint32(28, SAMPLE_RATE * 2, true);
  view.setUint16(32, 2, true);
  view.setUint16(34, 16, true);
  writeAscii(36, 'data');
  view.setUint32(40, samples * 2, true);
  // A pitch that depends on the text, so different texts sound different.
  let hash = 0;
  for (const character of seed) hash = (hash * 31 + character.charCodeAt(0)) >>> 0;
  const pitch = 110 + (hash % 90);
  const syllable = SAMPLE_RATE * 0.18;
  for (let index = 0; index < samples; index++) {
    const phase = (index % syllable) / syllable;
    const envelope = Math.sin(Math.PI * phase) ** 2 * (Math.floor(index / syllable) % 5 === 4 ? 0.1 : 1);
    const t = index / SAMPLE_RATE;
    const voice = Math.sin(2 * Math.PI * pitch * t) + 0.4 * Math.sin(2 * Math.PI * pitch * 2.01 * t);
    view.setInt16(44 + index * 2, Math.round(voice * envelope * 9000), true);
  }
  return bytes;
}
