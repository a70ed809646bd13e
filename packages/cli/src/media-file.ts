/**
 * Media files on disk, seen the way core sees them. Inspection reads only headers through a file-handle
 * `ByteSource` (a 2 GB file is never loaded); request values are raw base64 made by core's
 * `mediaToRequestValue`, so the CLI never produces the `data:` prefix Kling refuses.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import {
  type AudioInfo,
  type ByteSource,
  checkAudio,
  checkImage,
  type ImageInfo,
  inspectAudio,
  inspectImage,
  type ValidationProblem,
} from '@kling-avatar/core';
import { mediaToRequestValue } from '@kling-avatar/core/node';

/**
 * Files up to this size are read whole (to encode or hash them); larger ones are surely over Kling's
 * limits (10 MB image, 5 MB audio) and are only inspected from their headers, to say by how much.
 */
export const MAX_READ_BYTES = 64 * 1024 * 1024;

export type MediaField = 'image' | 'sound_file';

/** A problem the CLI finds before core can look at the content (missing file, unreadable file). */
export interface FileProblem {
  path: string;
  code: 'file_unreadable';
  message: string;
  apiMessage?: undefined;
}

export type Problem = ValidationProblem | FileProblem;

/** Random-access reads through a file descriptor; call `close` when done. */
export function openFileSource(path: string, size: number): ByteSource & { close(): void } {
  const fd = openSync(path, 'r');
  return {
    size,
    read(offset, length) {
      const start = Math.max(0, Math.min(size, Math.floor(offset) || 0));
      const count = Math.max(0, Math.min(size - start, Math.floor(length) || 0));
      const buffer = new Uint8Array(count);
      let done = 0;
      while (done < count) {
        const read = readSync(fd, buffer, done, count - done, start + done);
        if (read === 0) break;
        done += read;
      }
      return done === count ? buffer : buffer.subarray(0, done);
    },
    close() {
      closeSync(fd);
    },
  };
}

/** Why a file cannot be read, in words (`no such file`, `is a folder`, `permission denied`). */
export function unreadableReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'is a folder, not a file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  return (error as Error | undefined)?.message ?? String(error);
}

export interface InspectedFile {
  path: string;
  bytes: number;
  kind: 'image' | 'audio' | 'unknown';
  image?: ImageInfo;
  audio?: AudioInfo;
}

/** What core recognises in a file, by content: an image (PNG, JPEG, …), audio (WAV, MP3, …) or neither. */
export async function inspectFile(path: string): Promise<InspectedFile> {
  const info = await stat(path);
  if (info.isDirectory()) throw Object.assign(new Error('is a folder'), { code: 'EISDIR' });
  const source = openFileSource(path, info.size);
  try {
    const image = inspectImage(source);
    if (image.format !== 'unknown') return { path, bytes: info.size, kind: 'image', image };
    const audio = inspectAudio(source);
    if (audio.format !== 'unknown') return { path, bytes: info.size, kind: 'audio', audio };
    return { path, bytes: info.size, kind: 'unknown' };
  } finally {
    source.close();
  }
}

/**
 * The request value for a media file: raw base64 when the file is small enough to send at all. For a
 * file far over the limit, no value and the size problem from its headers (never loading it whole).
 */
export async function requestValueForFile(
  path: string,
  field: MediaField,
  problemPath: string = field,
): Promise<{ value?: string; problems: Problem[] }> {
  let size: number;
  try {
    const info = await stat(path);
    if (info.isDirectory()) throw Object.assign(new Error('is a folder'), { code: 'EISDIR' });
    size = info.size;
  } catch (error) {
    return { problems: [unreadable(problemPath, path, error)] };
  }
  if (size > MAX_READ_BYTES) {
    const source = openFileSource(path, size);
    try {
      const problems =
        field === 'image' ? checkImage(inspectImage(source), field) : checkAudio(inspectAudio(source), field);
      return { problems: problems.map((problem) => ({ ...problem, path: problemPath })) };
    } finally {
      source.close();
    }
  }
  try {
    return { value: await mediaToRequestValue(path, { field, maxBytes: MAX_READ_BYTES }), problems: [] };
  } catch (error) {
    return { problems: [unreadable(problemPath, path, error)] };
  }
}

export function unreadable(problemPath: string, file: string, error: unknown): FileProblem {
  const cause = (error as { cause?: unknown } | undefined)?.cause ?? error;
  return {
    path: problemPath,
    code: 'file_unreadable',
    message: `${problemPath}: cannot read ${file}: ${unreadableReason(cause)}.`,
  };
}
