/** Small HTTP helpers: Kling-shaped JSON answers and bounded body reading. */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { KLING_ERROR_CODES } from '@kling-avatar/core';

export function sendJson(response: ServerResponse, status: number, payload: unknown): void {
  const body = JSON.stringify(payload);
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
  });
  response.end(body);
}

/** `{ code: 0, message: 'SUCCEED', request_id, data }`. */
export function sendData(response: ServerResponse, data: unknown): void {
  sendJson(response, 200, { code: 0, message: 'SUCCEED', request_id: randomUUID(), data });
}

/** An error answer with the HTTP status core's code table gives for `code`. */
export function sendError(response: ServerResponse, code: number, message: string): void {
  const status = KLING_ERROR_CODES[code]?.httpStatus ?? 400;
  sendJson(response, status, { code, message, request_id: randomUUID() });
}

export class BodyTooLargeError extends Error {}

/** Read the whole body, refusing more than `maxBytes` without buffering the excess. */
export function readBody(request: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(request.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes) {
      request.resume();
      reject(new BodyTooLargeError());
      return;
    }
    const chunks: Buffer[] = [];
    let total = 0;
    request.on('data', (chunk: Buffer) => {
      total += chunk.length;
      if (total > maxBytes) {
        request.removeAllListeners('data');
        request.resume();
        reject(new BodyTooLargeError());
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

export function isJsonContentType(header: string | undefined): boolean {
  return /^application\/json\s*(;.*)?$/i.test(header?.trim() ?? '');
}
