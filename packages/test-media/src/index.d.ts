/** A `width`×`height` RGB PNG of one colour (default a mid blue). */
export declare function png(width: number, height: number, rgb?: readonly [number, number, number]): Buffer;
/** A `width`×`height` RGB PNG of a simple face on a gradient (default 512×640): enough for a visible render. */
export declare function portraitPng(width?: number, height?: number): Buffer;
export interface WavOptions {
  /** Tone in Hz. Default 220. */
  frequency?: number;
  /** Default 16 000. */
  sampleRate?: number;
  /** Let the pitch move like a voice instead of a steady tone. Default false. */
  warble?: boolean;
}
/** A 16-bit mono PCM WAV of a sine tone lasting `seconds`. */
export declare function wav(seconds: number, options?: WavOptions): Buffer;
