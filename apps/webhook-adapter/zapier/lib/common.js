'use strict';
/**
 * Shared pieces: the adapter's base URL from the connection, error messages from the adapter's error
 * shape, and the item shapes Zapier sees (the same for hook deliveries and performList, with a stable
 * `id` so Zapier's deduplication works).
 */

/** The connection's base URL without a trailing slash. */
function baseUrl(bundle) {
  return String(bundle.authData.base_url || '').replace(/\/+$/, '');
}

/** Every request carries the API key. */
function addApiKey(request, _z, bundle) {
  if (bundle.authData?.api_key) {
    request.headers = request.headers || {};
    request.headers.Authorization = `Bearer ${bundle.authData.api_key}`;
  }
  return request;
}

/** Turn the adapter's `{ error: { code, message } }` answers into clear Zapier errors. */
function handleErrors(response, z) {
  if (response.status >= 400 && !response.request?.skipThrowForStatus) {
    let message = `The adapter answered HTTP ${response.status}`;
    let code = 'http_error';
    try {
      const body =
        typeof response.json === 'object' && response.json ? response.json : JSON.parse(response.content);
      if (body?.error) {
        message = body.error.message || message;
        code = body.error.code || code;
      }
    } catch {
      // Not JSON: keep the generic message.
    }
    if (response.status === 401) throw new z.errors.RefreshAuthError(message);
    if (response.status === 429 || response.status === 503) throw new z.errors.ThrottledError(message, 30);
    throw new z.errors.Error(message, code, response.status);
  }
  return response;
}

/** An event (delivery body or /v1/events entry) as a flat Zapier item; `id` is the event id. */
function eventItem(event) {
  const { id: videoId, ...video } = videoItem(event.data || {});
  return {
    id: event.id,
    event_type: event.type,
    event_created_at: event.created_at,
    video_id: videoId,
    ...video,
  };
}

/** A video record as a Zapier item; `id` is the video id. */
function videoItem(video) {
  return {
    id: video.id,
    status: video.status,
    client_reference: video.client_reference,
    video_url: video.video_url,
    watermark_video_url: video.watermark_video_url,
    duration_seconds: video.duration_seconds,
    units_charged: video.units_charged,
    error_message: video.error ? video.error.message : null,
    mode: video.mode,
    prompt: video.prompt,
    created_at: video.created_at,
    completed_at: video.completed_at,
  };
}

const sampleVideo = {
  id: 'vid_01JZ8X5Q4TQ3W4N2M7K9F0ABCD',
  status: 'succeeded',
  client_reference: 'row-42',
  video_url: 'https://cdn.example.com/avatar.mp4',
  watermark_video_url: null,
  duration_seconds: 12.04,
  units_charged: '4.8',
  error_message: null,
  mode: 'std',
  prompt: 'A friendly nod',
  created_at: '2026-01-01T10:00:00.000Z',
  completed_at: '2026-01-01T10:04:00.000Z',
};

const sampleEvent = {
  id: 'evt_01JZ8X9R2V6B1C3D5E7F9G0HJK',
  event_type: 'avatar_video.succeeded',
  event_created_at: '2026-01-01T10:04:00.000Z',
  video_id: sampleVideo.id,
  ...Object.fromEntries(Object.entries(sampleVideo).filter(([key]) => key !== 'id')),
};

const videoOutputFields = [
  { key: 'id', label: 'ID' },
  { key: 'status', label: 'Status' },
  { key: 'client_reference', label: 'Client Reference' },
  { key: 'video_url', label: 'Video URL' },
  { key: 'watermark_video_url', label: 'Watermarked Video URL' },
  { key: 'duration_seconds', label: 'Duration (s)', type: 'number' },
  { key: 'units_charged', label: 'Units Charged' },
  { key: 'error_message', label: 'Error Message' },
];

module.exports = {
  baseUrl,
  addApiKey,
  handleErrors,
  eventItem,
  videoItem,
  sampleVideo,
  sampleEvent,
  videoOutputFields,
};
