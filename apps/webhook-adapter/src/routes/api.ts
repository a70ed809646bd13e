/**
 * Client endpoints besides create: reading videos, REST hooks (Zapier's subscribe/unsubscribe
 * contract), the event list (Zapier's `performList`: real recent items in the delivery shape), and the
 * delivery log with the dead-letter list and replay.
 */
import { generateWebhookSecret } from '@kling-avatar/core';
import type { FastifyInstance } from 'fastify';
import {
  deliveryJson,
  EVENT_TYPES,
  type EventType,
  hookJson,
  ID_PATTERN,
  newId,
  normalizeHookEvent,
  VIDEO_STATUSES,
  type VideoStatus,
  videoJson,
} from '../model.js';
import { MAX_URL_LENGTH, OutboundBlockedError } from '../outbound.js';
import type { AdapterContext } from './context.js';
import { createVideoHandler } from './create-video.js';
import { errorBody } from './errors.js';

const MAX_LIMIT = 100;

function parseLimit(value: unknown, fallback = 20): number | undefined {
  if (value === undefined || value === '') return fallback;
  const text = String(value);
  if (!/^\d{1,4}$/.test(text)) return undefined;
  const number = Number(text);
  return number >= 1 && number <= MAX_LIMIT ? number : undefined;
}

const badLimit = errorBody('invalid_query', `limit: expected an integer 1–${MAX_LIMIT}.`);

function validId(prefix: string, value: unknown): value is string {
  return typeof value === 'string' && ID_PATTERN.test(value) && value.startsWith(`${prefix}_`);
}

const notFound = (what: string) => errorBody('not_found', `No such ${what}.`);

export function registerApiRoutes(app: FastifyInstance, context: AdapterContext): void {
  const { storage } = context;
  const authed = { auth: true, rateLimit: {} } as const;

  app.get('/v1/me', { config: authed }, async (request) => ({ object: 'api_key', name: request.apiKeyName }));

  // Videos --------------------------------------------------------------------------------------------

  app.post(
    '/v1/avatar-videos',
    { config: authed, bodyLimit: context.config.maxBodyBytes },
    (request, reply) => createVideoHandler(context, request, reply),
  );

  app.get('/v1/avatar-videos/:id', { config: authed }, async (request, reply) => {
    const { id } = request.params as { id: string };
    const video = validId('vid', id) ? await storage.getVideo(request.apiKeyName, id) : undefined;
    if (!video) return reply.code(404).send(notFound('video'));
    return videoJson(video);
  });

  app.get('/v1/avatar-videos', { config: authed }, async (request, reply) => {
    const query = request.query as Record<string, unknown>;
    const limit = parseLimit(query.limit);
    if (limit === undefined) return reply.code(400).send(badLimit);
    let status: VideoStatus | undefined;
    if (query.status !== undefined && query.status !== '') {
      const value = query.status === 'succeed' ? 'succeeded' : query.status;
      if (typeof value !== 'string' || !(VIDEO_STATUSES as readonly string[]).includes(value)) {
        return reply
          .code(400)
          .send(errorBody('invalid_query', `status: expected one of ${VIDEO_STATUSES.join(', ')}.`));
      }
      status = value as VideoStatus;
    }
    let before: { createdAt: number; id: string } | undefined;
    const cursor = query.starting_after;
    if (cursor !== undefined && cursor !== '') {
      const anchor = validId('vid', cursor) ? await storage.getVideo(request.apiKeyName, cursor) : undefined;
      if (!anchor) return reply.code(400).send(errorBody('invalid_query', 'starting_after: no such video.'));
      before = { createdAt: anchor.createdAt, id: anchor.id };
    }
    const videos = await storage.listVideos(request.apiKeyName, {
      limit: limit + 1,
      ...(status ? { status } : {}),
      ...(before ? { before } : {}),
    });
    const page = videos.slice(0, limit);
    return {
      object: 'list',
      data: page.map(videoJson),
      has_more: videos.length > limit,
      next_cursor: videos.length > limit ? (page.at(-1)?.id ?? null) : null,
    };
  });

  // Hooks ---------------------------------------------------------------------------------------------

  app.post('/v1/hooks', { config: authed }, async (request, reply) => {
    const body = request.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      return reply
        .code(400)
        .send(
          errorBody(
            'invalid_request',
            'Send a JSON object: { "target_url": "https://…", "event": "avatar_video.succeeded" }.',
          ),
        );
    }
    const fields = body as Record<string, unknown>;
    // Zapier's performSubscribe sends `url` (bundle.targetUrl) by default; accept both spellings.
    const target = fields.target_url ?? fields.url;
    if (typeof target !== 'string' || target === '') {
      return reply.code(422).send(
        errorBody('validation_failed', 'target_url: required, an https URL that receives the events.', {
          problems: [{ field: 'target_url', code: 'required', message: 'target_url: required.' }],
        }),
      );
    }
    if (target.length > MAX_URL_LENGTH) {
      return reply.code(422).send(
        errorBody('validation_failed', `target_url: at most ${MAX_URL_LENGTH} characters.`, {
          problems: [
            {
              field: 'target_url',
              code: 'url_too_long',
              message: `target_url: at most ${MAX_URL_LENGTH} characters.`,
            },
          ],
        }),
      );
    }
    const rawEvent = fields.event ?? 'avatar_video.status_changed';
    const event = typeof rawEvent === 'string' ? normalizeHookEvent(rawEvent) : undefined;
    if (!event) {
      return reply
        .code(422)
        .send(
          errorBody(
            'validation_failed',
            'event: expected avatar_video.succeeded, avatar_video.failed or avatar_video.status_changed (any change).',
            { problems: [{ field: 'event', code: 'event_invalid', message: 'event: unknown event.' }] },
          ),
        );
    }
    try {
      await context.policy.checkUrl(target);
    } catch (error) {
      if (!(error instanceof OutboundBlockedError)) throw error;
      return reply
        .code(422)
        .send(
          errorBody(
            'target_url_refused',
            `target_url: ${error.reason}. Hooks must point at a public https URL.`,
            { problems: [{ field: 'target_url', code: 'url_refused', message: error.reason }] },
          ),
        );
    }
    if ((await storage.countHooks(request.apiKeyName)) >= context.config.maxHooksPerKey) {
      return reply
        .code(409)
        .send(
          errorBody(
            'too_many_hooks',
            `At most ${context.config.maxHooksPerKey} hooks per API key; delete unused ones first.`,
          ),
        );
    }
    const now = context.now();
    const hook = {
      id: newId('hook', now),
      owner: request.apiKeyName,
      targetUrl: target,
      event,
      secret: generateWebhookSecret(),
      createdAt: now,
    };
    await storage.createHook(hook);
    return reply
      .code(201)
      .header('location', `/v1/hooks/${hook.id}`)
      .send(hookJson(hook, { includeSecret: true }));
  });

  app.get('/v1/hooks', { config: authed }, async (request) => {
    const hooks = await storage.listHooks(request.apiKeyName);
    return { object: 'list', data: hooks.map((hook) => hookJson(hook)) };
  });

  app.get('/v1/hooks/:id', { config: authed }, async (request, reply) => {
    const { id } = request.params as { id: string };
    const hooks = validId('hook', id) ? await storage.listHooks(request.apiKeyName) : [];
    const hook = hooks.find((entry) => entry.id === id);
    if (!hook) return reply.code(404).send(notFound('hook'));
    return hookJson(hook, { includeSecret: true });
  });

  app.delete('/v1/hooks/:id', { config: authed }, async (request, reply) => {
    const { id } = request.params as { id: string };
    const removed = validId('hook', id) && (await storage.deleteHook(request.apiKeyName, id));
    if (!removed) return reply.code(404).send(notFound('hook'));
    return { id, object: 'hook', deleted: true };
  });

  // Events --------------------------------------------------------------------------------------------

  app.get('/v1/events', { config: authed }, async (request, reply) => {
    const query = request.query as Record<string, unknown>;
    const limit = parseLimit(query.limit);
    if (limit === undefined) return reply.code(400).send(badLimit);
    let types: EventType[] | undefined;
    if (query.type !== undefined && query.type !== '') {
      const requested = typeof query.type === 'string' ? normalizeHookEvent(query.type) : undefined;
      const exact = (EVENT_TYPES as readonly unknown[]).includes(query.type)
        ? (query.type as EventType)
        : undefined;
      if (!requested && !exact) {
        return reply
          .code(400)
          .send(
            errorBody(
              'invalid_query',
              `type: expected one of ${[...EVENT_TYPES, 'avatar_video.status_changed'].join(', ')}.`,
            ),
          );
      }
      types = exact
        ? [exact]
        : requested === 'avatar_video.status_changed'
          ? undefined
          : [requested as EventType];
    }
    let videoId: string | undefined;
    if (query.video_id !== undefined && query.video_id !== '') {
      if (!validId('vid', query.video_id))
        return reply.code(400).send(errorBody('invalid_query', 'video_id: not a video id.'));
      videoId = query.video_id;
    }
    const events = await storage.listEvents(request.apiKeyName, {
      limit,
      ...(types ? { types } : {}),
      ...(videoId ? { videoId } : {}),
    });
    // The stored payloads are the exact delivery bodies; splice them into the list unparsed.
    reply.type('application/json');
    return `{"object":"list","data":[${events.map((event) => event.payload).join(',')}]}`;
  });

  // Deliveries and the dead-letter list ---------------------------------------------------------------

  const listDeliveries =
    (forcedStatus?: 'dead') =>
    async (request: import('fastify').FastifyRequest, reply: import('fastify').FastifyReply) => {
      const query = request.query as Record<string, unknown>;
      const limit = parseLimit(query.limit);
      if (limit === undefined) return reply.code(400).send(badLimit);
      const status =
        forcedStatus ?? (query.status === undefined || query.status === '' ? undefined : query.status);
      if (
        status !== undefined &&
        !['pending', 'delivering', 'succeeded', 'dead', 'cancelled'].includes(status as string)
      ) {
        return reply
          .code(400)
          .send(
            errorBody('invalid_query', 'status: expected pending, delivering, succeeded, dead or cancelled.'),
          );
      }
      const deliveries = await storage.listDeliveries(request.apiKeyName, {
        limit,
        ...(status ? { status: status as 'dead' } : {}),
      });
      return { object: 'list', data: deliveries.map(deliveryJson) };
    };
  app.get('/v1/deliveries', { config: authed }, listDeliveries());
  app.get('/v1/dead-letters', { config: authed }, listDeliveries('dead'));

  app.get('/v1/deliveries/:id', { config: authed }, async (request, reply) => {
    const { id } = request.params as { id: string };
    const delivery = validId('dlv', id) ? await storage.getDelivery(request.apiKeyName, id) : undefined;
    if (!delivery) return reply.code(404).send(notFound('delivery'));
    return deliveryJson(delivery);
  });

  app.post('/v1/deliveries/:id/replay', { config: authed }, async (request, reply) => {
    const { id } = request.params as { id: string };
    const delivery = validId('dlv', id) ? await storage.getDelivery(request.apiKeyName, id) : undefined;
    if (!delivery) return reply.code(404).send(notFound('delivery'));
    if (!(await storage.replayDelivery(request.apiKeyName, id, context.now()))) {
      return reply
        .code(409)
        .send(
          errorBody(
            'not_replayable',
            `Only dead deliveries whose hook still exists can be replayed (this one is ${delivery.status}).`,
          ),
        );
    }
    context.worker.wake();
    const updated = await storage.getDelivery(request.apiKeyName, id);
    return reply.code(202).send(deliveryJson(updated ?? delivery));
  });

  app.post('/v1/deliveries/replay', { config: authed }, async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    if (typeof body !== 'object' || Array.isArray(body)) {
      return reply
        .code(400)
        .send(errorBody('invalid_request', 'Send a JSON object, optionally { "hook_id": "hook_…" }.'));
    }
    const hookId = body.hook_id;
    if (hookId !== undefined && !validId('hook', hookId)) {
      return reply.code(422).send(errorBody('validation_failed', 'hook_id: not a hook id.'));
    }
    const replayed = await storage.replayDeadDeliveries(
      request.apiKeyName,
      context.now(),
      hookId as string | undefined,
    );
    if (replayed > 0) context.worker.wake();
    return reply.code(202).send({ object: 'replay', replayed });
  });
}
