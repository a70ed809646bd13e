import type { IBinaryData, IBinaryKeyData, IExecuteFunctions, IWebhookFunctions } from 'n8n-workflow';

import {
  describeBytes,
  firstVideo,
  KlingValidationError,
  LIMITS,
  normalizeBase64,
  type TaskRecord,
} from './core';

export type MediaField = 'image' | 'sound_file';

const LIMIT_BYTES: Record<MediaField, number> = {
  image: LIMITS.image.maxBytes,
  sound_file: LIMITS.audio.maxBytes,
};

/** A media value ready for the request body, and where it came from (for error messages). */
export interface MediaValue {
  /** An http(s) URL or raw base64, as Kling wants it. */
  value: string;
  /** e.g. `binary field "data" (portrait.png)`. */
  origin: string;
}

/**
 * Raw base64 of a binary property, through n8n's helpers only: `assertBinaryData` for the metadata,
 * `getBinaryDataBuffer` for the bytes (never `item.binary[…].data`, which is only a reference in
 * filesystem mode). A file the metadata already shows to be over Kling's limit is refused before it
 * is read into memory.
 */
export async function binaryToBase64(
  context: IExecuteFunctions,
  itemIndex: number,
  propertyName: string,
  field: MediaField,
): Promise<MediaValue> {
  const binary = context.helpers.assertBinaryData(itemIndex, propertyName);
  const origin = `binary field "${propertyName}"${binary.fileName ? ` (${binary.fileName})` : ''}`;
  const limit = LIMIT_BYTES[field];
  if (typeof binary.bytes === 'number' && binary.bytes > limit) {
    throw new KlingValidationError(
      [
        {
          path: field,
          code: field === 'image' ? 'image_too_large' : 'audio_too_large',
          message: `${field}: ${origin} is ${describeBytes(binary.bytes)}, over Kling's ${describeBytes(limit)} limit. Compress or shorten it first.`,
        },
      ],
      'Create request',
    );
  }
  const buffer = await context.helpers.getBinaryDataBuffer(itemIndex, propertyName);
  return { value: buffer.toString('base64'), origin };
}

/** A URL as typed (trimmed); core's validator checks its form. */
export function urlValue(url: string): MediaValue {
  const value = url.trim();
  return { value, origin: `URL ${value.length > 80 ? `${value.slice(0, 80)}…` : value}` };
}

/**
 * Base64 from an expression, normalised by core the way users paste it: a `data:…;base64,` prefix,
 * line breaks and the URL-safe alphabet are all accepted and turned into the raw base64 Kling wants.
 */
export function base64Value(text: string): MediaValue {
  return { value: normalizeBase64(text.trim()), origin: 'base64 text' };
}

function fileNameFromUrl(url: string, fallback: string): string {
  try {
    const last = new URL(url).pathname.split('/').filter(Boolean).pop();
    if (last && /\.[a-z0-9]{2,4}$/i.test(last)) return decodeURIComponent(last);
  } catch {
    // Not a URL we can parse: use the fallback name.
  }
  return fallback;
}

/**
 * Download a result file (Kling's URLs expire after 30 days and are hotlink-protected, so keep a copy)
 * into n8n binary data. Sent without the Kling credential: result URLs are plain CDN links.
 */
export async function downloadToBinary(
  context: IExecuteFunctions | IWebhookFunctions,
  url: string,
  fallbackName: string,
  fallbackMimeType: string,
): Promise<IBinaryData> {
  const response = (await context.helpers.httpRequest({
    method: 'GET',
    url,
    encoding: 'arraybuffer',
    returnFullResponse: true,
    json: false,
    timeout: 10 * 60_000,
  })) as { body: ArrayBuffer | Uint8Array; headers?: Record<string, string | string[] | undefined> };
  const header = response.headers?.['content-type'];
  const contentType = (Array.isArray(header) ? header[0] : header)?.split(';')[0]?.trim();
  const mimeType = contentType && contentType !== 'application/octet-stream' ? contentType : fallbackMimeType;
  const body = response.body;
  const buffer = Buffer.isBuffer(body)
    ? body
    : body instanceof ArrayBuffer
      ? Buffer.from(body)
      : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  return await context.helpers.prepareBinaryData(buffer, fileNameFromUrl(url, fallbackName), mimeType);
}

export interface VideoDownloadOptions {
  downloadVideo?: boolean;
  downloadWatermarked?: boolean;
  outputBinaryProperty?: string;
  watermarkedBinaryProperty?: string;
}

/** A succeeded task's video (and watermarked copy) as n8n binary properties, as the options ask. */
export async function downloadTaskVideos(
  context: IExecuteFunctions | IWebhookFunctions,
  task: TaskRecord,
  options: VideoDownloadOptions,
): Promise<IBinaryKeyData> {
  const binary: IBinaryKeyData = {};
  const video = firstVideo(task);
  if (task.task_status !== 'succeed' || !video) return binary;
  if (options.downloadVideo && video.url) {
    binary[options.outputBinaryProperty?.trim() || 'data'] = await downloadToBinary(
      context,
      video.url,
      `${task.task_id}.mp4`,
      'video/mp4',
    );
  }
  if (options.downloadWatermarked && video.watermark_url) {
    binary[options.watermarkedBinaryProperty?.trim() || 'watermarked'] = await downloadToBinary(
      context,
      video.watermark_url,
      `${task.task_id}-watermarked.mp4`,
      'video/mp4',
    );
  }
  return binary;
}
