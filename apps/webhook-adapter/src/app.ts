/**
 * Builds one adapter instance: the fastify server with every route, the delivery worker and the
 * reconciler, over one storage backend and one Kling client. `main.ts` runs it from the environment;
 * tests build it in-process with injected storage, Kling gateway or DNS.
 */
import multipart from '@fastify/multipart';
import rateLimit from '@fastify/rate-limit';
import { createKlingAvatarClient } from '@kling-avatar/core';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from 'fastify';
import { ApiKeyAuthenticator, presentedKey, redactUrl } from './auth.js';
import type { AdapterConfig } from './config.js';
import { DeliveryWorker } from './delivery-worker.js';
import { type AdapterMetrics, createMetrics } from './metrics.js';
import { OutboundPolicy, type Resolver } from './outbound.js';
import { registerApiRoutes } from './routes/api.js';
import { registerCallbackRoutes } from './routes/callbacks.js';
import type { AdapterContext } from './routes/context.js';
import { errorBody } from './routes/errors.js';
import { openStorage, type Storage } from './storage/index.js';
import { type KlingGateway, Reconciler, TaskSync } from './task-sync.js';

export interface AdapterDependencies {
  /** A ready (migrated) storage; default: opened from `config.storage`. */
  storage?: Storage;
  /** Default: core's client against `config.kling`. */
  kling?: KlingGateway;
  /** DNS for the SSRF guard (tests point names at chosen addresses). */
  resolve?: Resolver;
  now?: () => number;
  /** A pino-compatible logger; default: JSON logs at `config.logLevel` to stdout. */
  logger?: FastifyBaseLogger;
  /** Where the default logger writes (default stdout). */
  logStream?: NodeJS.WritableStream;
}

export interface Adapter {
  app: FastifyInstance;
  context: AdapterContext;
  storage: Storage;
  worker: DeliveryWorker;
  reconciler: Reconciler;
  sync: TaskSync;
  metrics: AdapterMetrics;
  /** Listen on `config.host:config.port` and start the workers; returns the base URL. */
  start(): Promise<string>;
  /** Start the delivery worker and the reconciler (for in-process use without listening). */
  startWorkers(): void;
  /** Graceful shutdown: stop accepting, finish requests, drain or hand back deliveries, close storage. */
  close(): Promise<void>;
}

/** Paths whose values are secrets, redacted from every log line. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers["webhook-signature"]',
  'req.headers.cookie',
  'headers.authorization',
  'headers["x-api-key"]',
  'secret',
  '*.secret',
  'apiKey',
  '*.apiKey',
  'secretKey',
  '*.secretKey',
];

const QUIET_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * One log line per request (method, redacted URL, status, time) at info; "incoming request" only at
 * debug; probes and scrapes not at all.
 */
class RequestLogController extends LogController {
  constructor() {
    super({ disableRequestLogging: (request: FastifyRequest) => QUIET_PATHS.has(request.url) });
  }

  override incomingRequest(request: FastifyRequest): void {
    if (this.isLogDisabled(request)) return;
    request.log.debug({ req: request }, 'incoming request');
  }

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    if (this.isLogDisabled(request)) return;
    const fields = {
      req: request,
      res: { statusCode: reply.statusCode },
      responseTime: Math.round(reply.elapsedTime * 10) / 10,
      ...(request.apiKeyName ? { key: request.apiKeyName } : {}),
    };
    if (error) reply.log.error({ ...fields, err: error }, 'request errored');
    else reply.log.info(fields, 'request completed');
  }
}

export async function createAdapter(
  config: AdapterConfig,
  dependencies: AdapterDependencies = {},
): Promise<Adapter> {
  const now = dependencies.now ?? Date.now;
  const storage = dependencies.storage ?? (await openStorage(config.storage));
  const app = Fastify({
    ...(dependencies.logger
      ? { loggerInstance: dependencies.logger }
      : {
          logger: {
            level: config.logLevel,
            ...(dependencies.logStream ? { stream: dependencies.logStream } : {}),
            redact: { paths: REDACT_PATHS, censor: '[redacted]' },
            serializers: {
              req: (request: { method: string; url: string; ip?: string }) => ({
                method: request.method,
                url: redactUrl(request.url),
                remoteAddress: request.ip,
              }),
            },
          },
        }),
    logController: new RequestLogController(),
    bodyLimit: 1024 * 1024,
    trustProxy: config.trustProxy,
    // Zapier and friends retry on 5xx; keep the connection handling conservative.
    requestTimeout: 120_000,
    // Malformed URLs and the like are answered before routing; give them the common error shape too.
    frameworkErrors: (error, _request, reply) => {
      const status = error.statusCode && error.statusCode < 500 ? error.statusCode : 400;
      (reply as FastifyReply)
        .code(status)
        .send(errorBody(String(error.code ?? 'bad_request').toLowerCase(), error.message));
    },
  });
  const logger = app.log;
  const metrics = createMetrics(storage);
  const policy = new OutboundPolicy({
    allowList: config.outboundAllowList,
    ...(dependencies.resolve ? { resolve: dependencies.resolve } : {}),
  });
  const deliveryAgent = policy.createAgent({
    connections: Math.max(8, config.delivery.concurrency),
    timeoutMs: config.delivery.timeoutMs,
  });
  const mediaAgent = policy.createAgent({ connections: 4, timeoutMs: 15_000 });
  const kling =
    dependencies.kling ??
    createKlingAvatarClient({
      baseURL: config.kling.baseUrl,
      ...(config.kling.apiKey
        ? { apiKey: config.kling.apiKey }
        : { accessKey: config.kling.accessKey, secretKey: config.kling.secretKey }),
      requestTimeoutMs: config.kling.requestTimeoutMs,
      // Answer the client within seconds: a few quick retries, then a clear 429/503 it can retry.
      retry: { maxRetries: 2, initialDelayMs: 500, maxDelayMs: 2000 },
    });

  let worker: DeliveryWorker | undefined;
  const sync = new TaskSync({
    storage,
    kling,
    config: config.reconcile,
    metrics,
    logger,
    onDeliveriesQueued: () => worker?.wake(),
    now,
  });
  worker = new DeliveryWorker({
    storage,
    config: config.delivery,
    policy,
    dispatcher: deliveryAgent,
    metrics,
    logger,
    replicaId: config.replicaId,
    now,
  });
  const reconciler = new Reconciler({
    sync,
    storage,
    config: config.reconcile,
    logger,
    retentionMs: config.retentionMs,
    now,
  });

  let accepting = true;
  const context: AdapterContext = {
    config,
    storage,
    kling,
    sync,
    worker,
    policy,
    mediaFetch: policy.createMediaFetch(mediaAgent),
    metrics,
    now,
    accepting: () => accepting,
  };

  // Authentication ------------------------------------------------------------------------------------
  const authenticator = new ApiKeyAuthenticator(config.apiKeys);
  app.decorateRequest('apiKeyName', '');
  const authenticate = async (request: FastifyRequest, reply: FastifyReply) => {
    const name = authenticator.identify(presentedKey(request));
    if (!name) {
      return reply
        .code(401)
        .header('www-authenticate', 'Bearer')
        .send(
          errorBody(
            'unauthorized',
            'Send a valid API key: Authorization: Bearer <key>, X-API-Key: <key>, or ?api_key=<key>.',
          ),
        );
    }
    request.apiKeyName = name;
  };
  // Only on routes marked `auth`, so Kling's callbacks and the probes pay nothing for it.
  app.addHook('onRoute', (route) => {
    if (!(route.config as { auth?: boolean } | undefined)?.auth) return;
    const existing = route.onRequest ? [route.onRequest].flat() : [];
    route.onRequest = [authenticate, ...existing];
  });

  // Per-key rate limit (after authentication, before the body is read).
  await app.register(rateLimit, {
    global: false,
    max: config.rateLimit.max,
    timeWindow: config.rateLimit.windowMs,
    hook: 'preParsing',
    keyGenerator: (request) => (request.apiKeyName ? `key:${request.apiKeyName}` : `ip:${request.ip}`),
    errorResponseBuilder: (_request, context) => ({
      statusCode: 429,
      ...errorBody(
        'rate_limited',
        `Rate limit of ${context.max} requests per ${context.after} reached for this API key.`,
      ),
    }),
  });

  await app.register(multipart, {
    limits: {
      // An image (10 MiB) is the largest file; core reports an audio file over its 5 MiB limit by name.
      fileSize: 10 * 1024 * 1024 + 1,
      files: 2,
      fields: 32,
      fieldSize: config.maxBodyBytes,
      parts: 40,
    },
  });

  // Metrics per route template ----------------------------------------------------------------------
  app.addHook('onResponse', (request, reply, done) => {
    metrics.httpRequests.observe(
      {
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        status: String(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    );
    done();
  });

  app.setErrorHandler(
    (error: Error & { statusCode?: number; code?: string; validation?: unknown }, request, reply) => {
      const status =
        error.statusCode && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 500;
      if (status >= 500) {
        request.log.error({ err: error }, 'request failed');
        return reply
          .code(status)
          .send(errorBody('internal_error', 'Something went wrong on our side; retry later.'));
      }
      if (status === 429) return reply.code(429).send(error);
      const code =
        status === 413
          ? 'body_too_large'
          : status === 415
            ? 'unsupported_media_type'
            : error.validation
              ? 'invalid_request'
              : (error.code ?? 'bad_request').toLowerCase();
      const message =
        status === 413
          ? `The request is too large (images up to 10 MB and audio up to 5 MB, base64 included: at most ${config.maxBodyBytes} bytes).`
          : status === 415
            ? 'Send application/json or multipart/form-data.'
            : error.message;
      return reply.code(status).send(errorBody(code, message));
    },
  );
  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .send(
        errorBody('not_found', `No route ${request.method} ${redactUrl(request.url.split('?')[0] ?? '')}.`),
      ),
  );

  // Operations --------------------------------------------------------------------------------------
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    if (!accepting) return reply.code(503).send({ status: 'shutting_down' });
    try {
      await storage.ping();
    } catch {
      return reply.code(503).send({ status: 'storage_unavailable' });
    }
    return { status: 'ready', storage: storage.kind };
  });
  app.get('/metrics', async (_request, reply) => {
    reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });

  registerApiRoutes(app, context);
  await registerCallbackRoutes(app, context);
  await app.ready();

  let workersStarted = false;
  const startWorkers = () => {
    if (workersStarted) return;
    workersStarted = true;
    worker!.start();
    reconciler.start();
  };

  let closing: Promise<void> | undefined;
  return {
    app,
    context,
    storage,
    worker,
    reconciler,
    sync,
    metrics,
    startWorkers,
    async start() {
      const address = await app.listen({ host: config.host, port: config.port });
      startWorkers();
      return address;
    },
    close() {
      closing ??= (async () => {
        accepting = false;
        // Stop taking requests and finish the ones in flight, then the background work.
        await app.close();
        await reconciler.stop();
        await worker!.stop(config.shutdownTimeoutMs);
        await sync.idle();
        await storage.close();
        await Promise.allSettled([deliveryAgent.close(), mediaAgent.close()]);
      })();
      return closing;
    },
  };
}
