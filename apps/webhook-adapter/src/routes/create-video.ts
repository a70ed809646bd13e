/**
 * `POST /v1/avatar-videos`: flat fields in (JSON or multipart), preflighted with core before any paid
 * call, then one Kling create (plus TTS when asked) and an immediate answer with the video record; the
 * render's progress arrives later by callback, poll and delivery.
 *
 * Durability: the video row (status `creating`, with the Idempotency-Key) is written before Kling is
 * called, and Kling gets the video id as `external_task_id`. If the process dies mid-call, the
 * reconciler later finds the task by that id (or marks the video failed when Kling never got it), and a
 * repeated request with the same key returns that same record instead of creating a second task.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  KlingApiError,
  KlingAvatarError,
  KlingValidationError,
  validateCreateTask,
  validateCreateTaskAsync,
  validateTtsRequest,
} from '@kling-avatar/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  adapterFieldFor,
  buildCreatePlan,
  type CreatePlan,
  type FieldProblem,
  requestDigest,
  TTS_PLACEHOLDER_AUDIO_ID,
} from '../create-request.js';
import { newVideoRow, snapshotFromTask, videoJson } from '../model.js';
import { OutboundBlockedError } from '../outbound.js';
import { IdempotencyConflictError } from '../storage/index.js';
import type { AdapterContext } from './context.js';
import { errorBody } from './errors.js';

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Read a multipart form into flat fields; files become `{ kind: 'file', bytes }`. */
async function readMultipart(request: FastifyRequest): Promise<Record<string, unknown>> {
  const fields: Record<string, unknown> = Object.create(null);
  try {
    for await (const part of request.parts()) {
      if (part.type === 'file') {
        const bytes = await part.toBuffer();
        fields[part.fieldname] = { kind: 'file', bytes, filename: part.filename };
      } else {
        fields[part.fieldname] = part.value;
      }
    }
  } catch (error) {
    // Limits carry their own 4xx status; anything else is a malformed form (truncated, bad boundary).
    if ((error as { statusCode?: number }).statusCode) throw error;
    throw Object.assign(new Error(`The multipart form could not be read: ${(error as Error).message}`), {
      statusCode: 400,
      code: 'invalid_multipart',
    });
  }
  return { ...fields };
}

function problemsResponse(problems: FieldProblem[]) {
  const first = problems[0];
  return errorBody('validation_failed', first ? first.message : 'The request is not valid.', {
    problems: problems.map((problem) => ({
      field: problem.field,
      code: problem.code,
      message: problem.message,
    })),
  });
}

/** Core's rules, run before anything is paid for; problems come back under the caller's field names. */
async function preflight(context: AdapterContext, plan: CreatePlan): Promise<FieldProblem[]> {
  const problems: FieldProblem[] = [];
  // SSRF guard first: a URL we refuse is never fetched, neither by us nor forwarded to Kling.
  for (const { field, url } of plan.urls) {
    try {
      await context.policy.checkUrl(url);
    } catch (error) {
      if (!(error instanceof OutboundBlockedError)) throw error;
      problems.push({
        field,
        code: 'url_refused',
        message: `${field}: ${error.reason}. Use a public https URL.`,
      });
    }
  }
  if (problems.length > 0) return problems;
  const validation =
    context.config.probeMediaUrls && plan.urls.length > 0
      ? await validateCreateTaskAsync(plan.request, { fetch: context.mediaFetch, probeUrls: true })
      : validateCreateTask(plan.request);
  for (const problem of validation.problems) problems.push(renamed(problem, plan));
  if (plan.tts) {
    for (const problem of validateTtsRequest(plan.tts).problems) problems.push(renamed(problem, plan));
  }
  return problems;
}

/** Core's problem under the adapter's field name (its message starts with the Kling field name). */
function renamed(problem: { path: string; code: string; message: string }, plan: CreatePlan): FieldProblem {
  const field = adapterFieldFor(problem.path, plan);
  const message =
    field !== problem.path && problem.path && problem.message.startsWith(`${problem.path}:`)
      ? `${field}:${problem.message.slice(problem.path.length + 1)}`
      : problem.message;
  return { field, code: problem.code, message };
}

interface FailureAnswer {
  status: number;
  body: ReturnType<typeof errorBody>;
  /** Permanent answers are kept for the Idempotency-Key; transient ones free the key for a retry. */
  permanent: boolean;
  retryAfterSeconds?: number;
}

/** Kling's answer to a create, in the adapter's terms (core's error categories decide). */
function failureAnswer(error: unknown): FailureAnswer {
  if (error instanceof KlingValidationError) {
    return {
      status: 422,
      permanent: true,
      body: errorBody('validation_failed', error.problems[0]?.message ?? error.message, {
        problems: error.problems.map((problem) => ({
          field: problem.path,
          code: problem.code,
          message: problem.message,
        })),
      }),
    };
  }
  if (KlingAvatarError.isInstance(error)) {
    const kling = error as KlingAvatarError;
    const code = kling instanceof KlingApiError ? kling.code : undefined;
    const detail = kling instanceof KlingApiError ? kling.apiMessage : kling.message;
    const hint = kling.hint ? ` ${kling.hint}` : '';
    switch (kling.category) {
      case 'request':
      case 'policy':
      case 'validation':
        return {
          status: 422,
          permanent: true,
          body: errorBody('kling_rejected', `Kling refused the video: ${detail}.${hint}`, {
            kling_code: code ?? null,
          }),
        };
      case 'rate_limit':
        return {
          status: 429,
          permanent: false,
          retryAfterSeconds: Math.max(
            1,
            Math.ceil((kling instanceof KlingApiError ? (kling.retryAfterMs ?? 0) : 0) / 1000) || 10,
          ),
          body: errorBody(
            'kling_busy',
            `Kling is at its concurrency limit for this account: ${detail}. Try again shortly.`,
            { kling_code: code ?? null },
          ),
        };
      case 'account':
      case 'auth':
        return {
          status: 503,
          permanent: false,
          retryAfterSeconds: 60,
          body: errorBody(
            'kling_account_unavailable',
            `The service's Kling account cannot create videos: ${detail}.${hint}`,
            { kling_code: code ?? null },
          ),
        };
      default:
        return {
          status: 503,
          permanent: false,
          retryAfterSeconds: 10,
          body: errorBody(
            'kling_unavailable',
            `Kling could not be reached or failed: ${detail}. Try again shortly.`,
            { kling_code: code ?? null },
          ),
        };
    }
  }
  throw error;
}

async function replayIdempotent(
  context: AdapterContext,
  owner: string,
  key: string,
  requestHash: string,
  reply: FastifyReply,
): Promise<FastifyReply | undefined> {
  const existing = await context.storage.getIdempotencyKey(owner, key);
  if (!existing) return undefined;
  if (existing.requestHash !== requestHash) {
    return reply
      .code(422)
      .send(
        errorBody(
          'idempotency_key_reused',
          'This Idempotency-Key was used with different fields; use a new key for a new video.',
        ),
      );
  }
  if (existing.videoId) {
    const video = await context.storage.getVideo(owner, existing.videoId);
    if (video) {
      if (video.status === 'creating') {
        return reply
          .code(409)
          .header('retry-after', '2')
          .send(
            errorBody(
              'idempotency_key_in_use',
              'A request with this Idempotency-Key is still being processed; retry in a moment.',
              { video_id: video.id },
            ),
          );
      }
      context.metrics.videosCreated.inc({ result: 'replayed' });
      return reply.code(201).header('idempotent-replayed', 'true').send(videoJson(video));
    }
  }
  if (existing.responseStatus !== null && existing.responseBody !== null) {
    return reply
      .code(existing.responseStatus)
      .header('idempotent-replayed', 'true')
      .type('application/json')
      .send(existing.responseBody);
  }
  // A key whose request died before it stored anything: free it and start over.
  await context.storage.deleteIdempotencyKey(owner, key);
  return undefined;
}

export async function createVideoHandler(
  context: AdapterContext,
  request: FastifyRequest,
  reply: FastifyReply,
) {
  const owner = request.apiKeyName;
  const rawKey = request.headers['idempotency-key'];
  const idempotencyKey = typeof rawKey === 'string' ? rawKey : undefined;
  if (rawKey !== undefined && (idempotencyKey === undefined || !IDEMPOTENCY_KEY.test(idempotencyKey))) {
    return reply
      .code(400)
      .send(errorBody('invalid_idempotency_key', 'Idempotency-Key must be 1–255 visible ASCII characters.'));
  }

  const fields = request.isMultipart() ? await readMultipart(request) : request.body;
  const built = buildCreatePlan(fields);
  if (!built.ok) {
    context.metrics.videosCreated.inc({ result: 'invalid' });
    return reply.code(422).send(problemsResponse(built.problems));
  }
  const { plan } = built;
  // Only needed to compare repeats of an Idempotency-Key (hashing 20 MB of media is not free).
  const requestHash = idempotencyKey ? requestDigest(plan) : '';

  if (idempotencyKey) {
    const replayed = await replayIdempotent(context, owner, idempotencyKey, requestHash, reply);
    if (replayed) return replayed;
  }

  const problems = await preflight(context, plan);
  if (problems.length > 0) {
    context.metrics.videosCreated.inc({ result: 'invalid' });
    return reply.code(422).send(problemsResponse(problems));
  }

  const now = context.now();
  const token = randomBytes(32).toString('base64url');
  const video = newVideoRow(
    {
      owner,
      callbackTokenHash: hashToken(token),
      clientReference: plan.clientReference,
      mode: plan.mode,
      prompt: plan.prompt,
      watermark: plan.watermark,
      audioSource: plan.audioSource,
      // If this process dies during the Kling call, the reconciler resolves the video after this.
      nextPollAt: now + context.config.reconcile.createTimeoutMs,
    },
    now,
  );
  try {
    await context.storage.insertVideo(
      video,
      idempotencyKey ? { key: idempotencyKey, requestHash } : undefined,
    );
  } catch (error) {
    if (error instanceof IdempotencyConflictError && idempotencyKey) {
      const replayed = await replayIdempotent(context, owner, idempotencyKey, requestHash, reply);
      if (replayed) return replayed;
      return reply
        .code(409)
        .header('retry-after', '1')
        .send(errorBody('idempotency_key_in_use', 'Retry in a moment.'));
    }
    throw error;
  }

  try {
    const body = { ...plan.request };
    if (plan.tts) {
      const tts = await context.kling.createTts({
        text: plan.tts.text,
        voice_id: plan.tts.voice_id,
        voice_language: plan.tts.voice_language as 'en' | 'zh',
        ...(plan.tts.voice_speed === undefined ? {} : { voice_speed: plan.tts.voice_speed }),
      });
      const audioId = tts.task_result?.audios?.[0]?.id;
      if (!audioId)
        throw new KlingApiError({ statusCode: 200, apiMessage: 'text to speech returned no audio id' });
      body.audio_id = audioId;
    } else if (body.audio_id === TTS_PLACEHOLDER_AUDIO_ID) {
      delete body.audio_id;
    }
    const task = await context.kling.createTask(
      {
        ...body,
        callback_url: `${context.config.publicBaseUrl}/v1/kling/callbacks/${video.id}/${token}`,
        external_task_id: video.id,
      },
      // Already preflighted above with the same core validator (and the URL probe).
      { validate: false },
    );
    const result = await context.sync.apply(video.id, snapshotFromTask(task), {});
    const current = result.video ?? (await context.storage.getVideoById(video.id)) ?? video;
    context.metrics.videosCreated.inc({ result: 'created' });
    return reply.code(201).header('location', `/v1/avatar-videos/${video.id}`).send(videoJson(current));
  } catch (error) {
    const answer = failureAnswer(error);
    request.log.warn({ err: error, videoId: video.id, status: answer.status }, 'Kling create failed');
    await context.storage.deleteCreatingVideo(video.id);
    if (idempotencyKey) {
      if (answer.permanent) {
        await context.storage.finishIdempotencyKey(owner, idempotencyKey, {
          status: answer.status,
          body: JSON.stringify(answer.body),
        });
      } else {
        await context.storage.deleteIdempotencyKey(owner, idempotencyKey);
      }
    }
    context.metrics.videosCreated.inc({ result: answer.permanent ? 'rejected' : 'unavailable' });
    if (answer.retryAfterSeconds) reply.header('retry-after', String(answer.retryAfterSeconds));
    return reply.code(answer.status).send(answer.body);
  }
}
