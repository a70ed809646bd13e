/**
 * Node-only helpers (file system and streams), kept out of the portable entry: request builders that
 * turn files, buffers, blobs or streams into raw base64 (so users never meet the `data:` prefix
 * problem), and streaming downloads to a file.
 */
import { createWriteStream } from 'node:fs';
import { readFile, rename, stat, unlink } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { CallOptions, KlingAvatarClient } from './client.js';
import { KlingAvatarError } from './errors.js';
import { describeBytes, LIMITS } from './limits.js';
import type { TaskRecord } from './types.js';

export type MediaInput = string | Uint8Array | ArrayBuffer | Blob | NodeJS.ReadableStream | WebReadableStream;

/**
 * Raw base64 of a media input. A string is a file path unless it is an http(s) URL, which is returned
 * unchanged (Kling fetches URLs itself). `maxBytes` stops reading oversized input early.
 */
export async function mediaToRequestValue(
  input: MediaInput,
  options: { field: 'image' | 'sound_file'; maxBytes?: number },
): Promise<string> {
  if (typeof input === 'string' && /^https?:\/\//i.test(input)) return input;
  const limit =
    options.maxBytes ?? (options.field === 'image' ? LIMITS.image.maxBytes : LIMITS.audio.maxBytes);
  const bytes = await readMediaBytes(input, options.field, limit);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

async function readMediaBytes(input: MediaInput, field: string, limit: number): Promise<Uint8Array> {
  const tooLarge = (size: number) =>
    new KlingAvatarError(
      `${field}: ${describeBytes(size)} is over the ${describeBytes(limit)} limit; compress it first.`,
      { category: 'validation' },
    );
  if (typeof input === 'string') {
    let size: number;
    try {
      size = (await stat(input)).size;
    } catch (error) {
      throw new KlingAvatarError(`${field}: cannot read file ${input}: ${(error as Error).message}`, {
        category: 'validation',
        cause: error,
      });
    }
    // Checked before reading, so a 2 GB file is refused without loading it.
    if (size > limit) throw tooLarge(size);
    return new Uint8Array(await readFile(input));
  }
  if (input instanceof Uint8Array) return input;
  if (input instanceof ArrayBuffer) return new Uint8Array(input);
  if (typeof Blob !== 'undefined' && input instanceof Blob) {
    if (input.size > limit) throw tooLarge(input.size);
    return new Uint8Array(await input.arrayBuffer());
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  const stream =
    'getReader' in input ? Readable.fromWeb(input as WebReadableStream) : (input as NodeJS.ReadableStream);
  for await (const chunk of stream as AsyncIterable<Uint8Array | string>) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    total += bytes.byteLength;
    if (total > limit) throw tooLarge(total);
    chunks.push(bytes);
  }
  return new Uint8Array(Buffer.concat(chunks));
}

/** Stream a task's video (or its watermarked copy) to `filePath`; writes to a temp name, then renames. */
export async function downloadVideoToFile(
  client: KlingAvatarClient,
  source: TaskRecord | string,
  filePath: string,
  options: CallOptions & { watermarked?: boolean } = {},
): Promise<{ path: string; bytes: number }> {
  const response = await client.downloadVideo(source, options);
  const temporary = `${filePath}.part`;
  try {
    await pipeline(
      Readable.fromWeb(response.body as unknown as WebReadableStream),
      createWriteStream(temporary),
      { signal: options.signal },
    );
    await rename(temporary, filePath);
  } catch (error) {
    await unlink(temporary).catch(() => {});
    throw error;
  }
  return { path: filePath, bytes: (await stat(filePath)).size };
}
