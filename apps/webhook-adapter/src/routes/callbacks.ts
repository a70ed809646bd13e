/**
 * `POST /v1/kling/callbacks/:videoId/:token` — where Kling reports status changes (API reference §5).
 *
 * Authentication: the path carries an unguessable per-video token (256 bits; only its SHA-256 is
 * stored, compared in constant time). When a Kling webhook secret is configured, the Standard Webhooks
 * signature is also required and verified over the exact raw bytes before anything is parsed
 * (tolerance ±300 s; `webhook-id` de-duplicated in the same transaction that applies the update).
 * Signed bodies are verified before any read and applied directly; the token is then checked against
 * the row inside the transaction that applies the update. Unsigned bodies are only a hint: the adapter records that a
 * callback came (durably, so the reconciler finishes the job after a crash), answers 200 at once, and
 * then confirms the task's state with a GET to Kling before changing anything.
 */
import { timingSafeEqual } from 'node:crypto';
import {
  KlingAvatarError,
  parseCallbackBody,
  receiveCallback,
  WebhookVerificationError,
} from '@kling-avatar/core';
import type { FastifyInstance } from 'fastify';
import { ID_PATTERN, snapshotFromTask } from '../model.js';
import { taskBelongsTo } from '../task-sync.js';
import type { AdapterContext } from './context.js';
import { hashToken } from './create-video.js';
import { errorBody } from './errors.js';

const CALLBACK_BODY_LIMIT = 1024 * 1024;
/** Compared against when the video does not exist, so both paths do the same work. */
const DUMMY_HASH = hashToken('no-such-video');

function tokenMatches(token: string, storedHash: string): boolean {
  const presented = Buffer.from(hashToken(token), 'hex');
  const expected = Buffer.from(storedHash, 'hex');
  return presented.length === expected.length && timingSafeEqual(presented, expected);
}

export async function registerCallbackRoutes(app: FastifyInstance, context: AdapterContext): Promise<void> {
  await app.register(async (scope) => {
    // Raw bytes for every content type: signatures are over the exact body, never re-serialised JSON.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(
      '*',
      { parseAs: 'buffer', bodyLimit: CALLBACK_BODY_LIMIT },
      (_request, body, done) => done(null, body),
    );

    scope.post('/v1/kling/callbacks/:videoId/:token', async (request, reply) => {
      const { metrics, storage, config, sync } = context;
      const { videoId, token } = request.params as { videoId: string; token: string };
      const rawBody = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const notFound = () => {
        metrics.callbacks.inc({ result: 'unknown' });
        return reply.code(404).send(errorBody('not_found', 'No such callback target.'));
      };
      if (!ID_PATTERN.test(videoId)) {
        tokenMatches(token, DUMMY_HASH); // the same hashing work as a wrong token
        return notFound();
      }
      const now = context.now();
      const secrets = config.kling.webhookSecrets;

      if (secrets.length > 0) {
        let received: ReturnType<typeof receiveCallback>;
        try {
          received = receiveCallback({
            rawBody,
            headers: request.headers,
            secret: secrets,
            nowSeconds: Math.floor(now / 1000),
          });
        } catch (error) {
          metrics.callbacks.inc({ result: 'refused' });
          if (error instanceof WebhookVerificationError) {
            request.log.warn({ videoId, reason: error.reason }, 'refused a Kling callback: bad signature');
            return reply
              .code(401)
              .send(errorBody('invalid_signature', error.message, { reason: error.reason }));
          }
          if (KlingAvatarError.isInstance(error))
            return reply.code(400).send(errorBody('invalid_body', (error as Error).message));
          throw error;
        }
        // The token and the task are checked against the row inside the update's transaction: one read.
        const result = await sync.apply(videoId, snapshotFromTask(received.task), {
          now,
          callbackAt: now,
          ...(received.deliveryId ? { inboundDeliveryId: `kling:${received.deliveryId}` } : {}),
          authorize: (video) =>
            !tokenMatches(token, video.callbackTokenHash)
              ? 'not_found'
              : !taskBelongsTo(received.task, video)
                ? 'task_mismatch'
                : undefined,
        });
        if (result.refused === 'not_found') {
          tokenMatches(token, DUMMY_HASH); // no row: the same hashing work as a wrong token
          return notFound();
        }
        if (result.refused !== undefined) {
          metrics.callbacks.inc({ result: 'refused' });
          return reply.code(400).send(errorBody('task_mismatch', 'The callback is about another task.'));
        }
        metrics.callbacks.inc({
          result: result.duplicate ? 'duplicate' : result.changed ? 'applied' : 'unchanged',
        });
        return { received: true, duplicate: result.duplicate };
      }

      // Unsigned: the token first, then the body must at least look like a task record of this video;
      // the truth comes from Kling.
      const video = await storage.getVideoById(videoId);
      if (!tokenMatches(token, video?.callbackTokenHash ?? DUMMY_HASH) || !video) return notFound();
      let task: ReturnType<typeof parseCallbackBody>;
      try {
        task = parseCallbackBody(rawBody);
      } catch (error) {
        metrics.callbacks.inc({ result: 'refused' });
        return reply.code(400).send(errorBody('invalid_body', (error as Error).message));
      }
      if (
        video.klingTaskId !== null &&
        task.task_id !== video.klingTaskId &&
        task.task_info?.external_task_id !== video.id
      ) {
        metrics.callbacks.inc({ result: 'refused' });
        return reply.code(400).send(errorBody('task_mismatch', 'The callback is about another task.'));
      }
      // Durable first: if we die before the GET below finishes, the reconciler polls this video now.
      await storage.touchVideo(video.id, { callbackAt: now, nextPollAt: now, now });
      sync.scheduleRefresh(video.id);
      metrics.callbacks.inc({ result: 'accepted' });
      return { received: true };
    });
  });
}
