/**
 * `Storage` on plain SQL, written once for both backends. Statements use `$1`-style placeholders and
 * only syntax SQLite (≥ 3.35) and PostgreSQL share (`ON CONFLICT … DO NOTHING`, `RETURNING`, partial
 * indexes); the two drivers differ only in how they run a transaction and in row locking, which
 * `SqlDriver` hides (`lockClause`): SQLite runs one writer at a time anyway, PostgreSQL uses
 * `FOR UPDATE` / `FOR UPDATE SKIP LOCKED` so replicas never claim the same row.
 */
import {
  type ClaimedDelivery,
  type DeliveryRow,
  type DeliveryStatus,
  type EventRow,
  type EventType,
  eventTypeFor,
  type HookRow,
  hookEventsFor,
  type IdempotencyRow,
  isFinal,
  isForward,
  newId,
  type TaskSnapshot,
  type VideoRow,
} from '../model.js';
import {
  deliveryFromRow,
  eventFromRow,
  hookFromRow,
  idempotencyFromRow,
  schemaStatements,
  VIDEO_COLUMNS,
  videoFromRow,
  videoToParams,
} from './schema.js';
import {
  type ApplyUpdateOptions,
  type ApplyUpdateResult,
  type DeliveryCounts,
  type DeliveryOutcome,
  IdempotencyConflictError,
  type ListVideosQuery,
  type Storage,
} from './storage.js';

export type Row = Record<string, unknown>;

export interface SqlExecutor {
  query(sql: string, params?: readonly unknown[]): Promise<Row[]>;
  /** Returns the number of rows changed. */
  run(sql: string, params?: readonly unknown[]): Promise<number>;
}

export interface SqlDriver extends SqlExecutor {
  readonly dialect: 'sqlite' | 'postgres';
  /** Runs `work` in one transaction; commits when it resolves, rolls back when it throws. */
  transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /** `FOR UPDATE` (PostgreSQL) or nothing (SQLite: the transaction already excludes other writers). */
  lockClause(kind: 'update' | 'skip-locked'): string;
  /** Whether an error is a unique-constraint violation. */
  isUniqueViolation(error: unknown): boolean;
  close(): Promise<void>;
}

/** Repeated callbacks closer together than this do not rewrite the video row. */
const STALE_TOUCH_MS = 60_000;

/** `$1, $2, …` for `count` values starting at `start`. */
function placeholders(count: number, start = 1): string {
  return Array.from({ length: count }, (_, index) => `$${start + index}`).join(', ');
}

const VIDEO_INSERT = `INSERT INTO videos (${VIDEO_COLUMNS}) VALUES (${placeholders(21)})`;

export class SqlStorage implements Storage {
  readonly kind: 'sqlite' | 'postgres';
  readonly #driver: SqlDriver;

  constructor(driver: SqlDriver) {
    this.#driver = driver;
    this.kind = driver.dialect;
  }

  async migrate(): Promise<void> {
    await this.#driver.transaction(async (tx) => {
      // Replicas starting together would race on CREATE TABLE; one migrates while the others wait.
      if (this.kind === 'postgres')
        await tx.query("SELECT pg_advisory_xact_lock(hashtext('kling-webhook-adapter'))");
      for (const statement of schemaStatements(this.kind)) await tx.run(statement);
    });
  }

  async ping(): Promise<void> {
    await this.#driver.query('SELECT 1 AS ok');
  }

  close(): Promise<void> {
    return this.#driver.close();
  }

  // Videos --------------------------------------------------------------------------------------------

  async insertVideo(video: VideoRow, idempotency?: { key: string; requestHash: string }): Promise<void> {
    try {
      await this.#driver.transaction(async (tx) => {
        if (idempotency) {
          const inserted = await tx.run(
            `INSERT INTO idempotency_keys (owner, key, request_hash, video_id, created_at)
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
            [video.owner, idempotency.key, idempotency.requestHash, video.id, video.createdAt],
          );
          if (inserted === 0) throw new IdempotencyConflictError();
        }
        await tx.run(VIDEO_INSERT, videoToParams(video));
      });
    } catch (error) {
      if (error instanceof IdempotencyConflictError) throw error;
      if (idempotency && this.#driver.isUniqueViolation(error)) throw new IdempotencyConflictError();
      throw error;
    }
  }

  async deleteCreatingVideo(id: string): Promise<void> {
    await this.#driver.run(`DELETE FROM videos WHERE id = $1 AND status = 'creating'`, [id]);
  }

  async getVideo(owner: string, id: string): Promise<VideoRow | undefined> {
    const rows = await this.#driver.query(
      `SELECT ${VIDEO_COLUMNS} FROM videos WHERE id = $1 AND owner = $2`,
      [id, owner],
    );
    return rows[0] ? videoFromRow(rows[0]) : undefined;
  }

  async getVideoById(id: string): Promise<VideoRow | undefined> {
    const rows = await this.#driver.query(`SELECT ${VIDEO_COLUMNS} FROM videos WHERE id = $1`, [id]);
    return rows[0] ? videoFromRow(rows[0]) : undefined;
  }

  async listVideos(owner: string, query: ListVideosQuery): Promise<VideoRow[]> {
    const conditions = ['owner = $1'];
    const params: unknown[] = [owner];
    if (query.status) {
      params.push(query.status);
      conditions.push(`status = $${params.length}`);
    }
    if (query.before) {
      params.push(query.before.createdAt, query.before.createdAt, query.before.id);
      const at = params.length;
      conditions.push(`(created_at < $${at - 2} OR (created_at = $${at - 1} AND id < $${at}))`);
    }
    params.push(query.limit);
    const rows = await this.#driver.query(
      `SELECT ${VIDEO_COLUMNS} FROM videos WHERE ${conditions.join(' AND ')}
       ORDER BY created_at DESC, id DESC LIMIT $${params.length}`,
      params,
    );
    return rows.map(videoFromRow);
  }

  async applyTaskUpdate(
    videoId: string,
    snapshot: TaskSnapshot,
    options: ApplyUpdateOptions,
    renderPayload: (eventId: string, type: EventType, createdAt: number, video: VideoRow) => string,
  ): Promise<ApplyUpdateResult> {
    return this.#driver.transaction(async (tx) => {
      const rows = await tx.query(
        `SELECT ${VIDEO_COLUMNS} FROM videos WHERE id = $1 ${this.#driver.lockClause('update')}`,
        [videoId],
      );
      if (!rows[0]) return { refused: 'not_found', duplicate: false, changed: false, deliveries: 0 };
      const current = videoFromRow(rows[0]);
      const refused = options.authorize?.(current);
      if (refused !== undefined) return { refused, duplicate: false, changed: false, deliveries: 0 };
      if (options.inboundDeliveryId !== undefined) {
        const fresh = await tx.run(
          'INSERT INTO inbound_deliveries (id, received_at) VALUES ($1, $2) ON CONFLICT DO NOTHING',
          [options.inboundDeliveryId, options.now],
        );
        if (fresh === 0) return { duplicate: true, changed: false, deliveries: 0 };
      }
      const callbackAt = options.callbackAt ?? current.lastCallbackAt;

      if (!isForward(current.status, snapshot.status)) {
        // Same or older news: keep the status, only note the callback and the next poll.
        const nextPollAt = isFinal(current.status) ? null : options.nextPollAt;
        // A burst of repeats need not rewrite the row each time: within a minute is precise enough.
        const recent = (a: number | null, b: number | null) =>
          a === b || (a !== null && b !== null && Math.abs(a - b) < STALE_TOUCH_MS);
        if (!recent(current.lastCallbackAt, callbackAt) || !recent(current.nextPollAt, nextPollAt)) {
          await tx.run('UPDATE videos SET last_callback_at = $1, next_poll_at = $2 WHERE id = $3', [
            callbackAt,
            nextPollAt,
            videoId,
          ]);
        }
        return {
          duplicate: false,
          changed: false,
          video: { ...current, lastCallbackAt: callbackAt, nextPollAt },
          deliveries: 0,
        };
      }

      const final = isFinal(snapshot.status);
      const updated: VideoRow = {
        ...current,
        status: snapshot.status,
        klingStatus: snapshot.klingStatus ?? current.klingStatus,
        klingTaskId: snapshot.klingTaskId ?? current.klingTaskId,
        videoUrl: snapshot.videoUrl ?? current.videoUrl,
        watermarkVideoUrl: snapshot.watermarkVideoUrl ?? current.watermarkVideoUrl,
        durationSeconds: snapshot.durationSeconds ?? current.durationSeconds,
        unitsCharged: snapshot.unitsCharged ?? current.unitsCharged,
        errorMessage: snapshot.errorMessage ?? current.errorMessage,
        updatedAt: options.now,
        completedAt: final ? options.now : current.completedAt,
        lastCallbackAt: callbackAt,
        nextPollAt: final ? null : options.nextPollAt,
      };
      await tx.run(
        `UPDATE videos SET status = $1, kling_status = $2, kling_task_id = $3, video_url = $4,
           watermark_video_url = $5, duration_seconds = $6, units_charged = $7, error_message = $8,
           updated_at = $9, completed_at = $10, last_callback_at = $11, next_poll_at = $12
         WHERE id = $13`,
        [
          updated.status,
          updated.klingStatus,
          updated.klingTaskId,
          updated.videoUrl,
          updated.watermarkVideoUrl,
          updated.durationSeconds,
          updated.unitsCharged,
          updated.errorMessage,
          updated.updatedAt,
          updated.completedAt,
          updated.lastCallbackAt,
          updated.nextPollAt,
          videoId,
        ],
      );

      const type = eventTypeFor(updated.status);
      if (!type) return { duplicate: false, changed: true, video: updated, deliveries: 0 };
      const eventId = newId('evt', options.now);
      const payload = renderPayload(eventId, type, options.now, updated);
      const inserted = await tx.run(
        `INSERT INTO events (id, owner, video_id, type, payload, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
        [eventId, updated.owner, videoId, type, payload, options.now],
      );
      if (inserted === 0) return { duplicate: false, changed: true, video: updated, deliveries: 0 };
      const event: EventRow = {
        id: eventId,
        owner: updated.owner,
        videoId,
        type,
        payload,
        createdAt: options.now,
      };
      const deliveries = await this.#queueDeliveries(tx, event, options.now);
      return { duplicate: false, changed: true, video: updated, event, deliveries };
    });
  }

  async #queueDeliveries(tx: SqlExecutor, event: EventRow, now: number): Promise<number> {
    const events = hookEventsFor(event.type);
    const hooks = await tx.query(
      `SELECT id, target_url FROM hooks WHERE owner = $1 AND event IN (${placeholders(events.length, 2)})`,
      [event.owner, ...events],
    );
    for (const hook of hooks) {
      await tx.run(
        `INSERT INTO deliveries (id, event_id, hook_id, owner, target_url, status, attempts, next_attempt_at,
           window_started_at, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, 'pending', 0, $6, $6, $6, $6) ON CONFLICT DO NOTHING`,
        [newId('dlv', now), event.id, hook.id, event.owner, hook.target_url, now],
      );
    }
    return hooks.length;
  }

  async touchVideo(
    id: string,
    options: { callbackAt?: number; nextPollAt: number | null; now: number },
  ): Promise<void> {
    if (options.callbackAt !== undefined) {
      await this.#driver.run(
        `UPDATE videos SET last_callback_at = $1, next_poll_at = $2
         WHERE id = $3 AND status NOT IN ('succeeded', 'failed')`,
        [options.callbackAt, options.nextPollAt, id],
      );
    } else {
      await this.#driver.run(
        `UPDATE videos SET next_poll_at = $1 WHERE id = $2 AND status NOT IN ('succeeded', 'failed')`,
        [options.nextPollAt, id],
      );
    }
  }

  async claimVideosToPoll(now: number, limit: number, leaseUntil: number): Promise<VideoRow[]> {
    return this.#driver.transaction(async (tx) => {
      const rows = await tx.query(
        `SELECT ${VIDEO_COLUMNS} FROM videos
         WHERE next_poll_at IS NOT NULL AND next_poll_at <= $1 AND status NOT IN ('succeeded', 'failed')
         ORDER BY next_poll_at LIMIT $2 ${this.#driver.lockClause('skip-locked')}`,
        [now, limit],
      );
      if (rows.length === 0) return [];
      const ids = rows.map((row) => String(row.id));
      await tx.run(`UPDATE videos SET next_poll_at = $1 WHERE id IN (${placeholders(ids.length, 2)})`, [
        leaseUntil,
        ...ids,
      ]);
      return rows.map((row) => ({ ...videoFromRow(row), nextPollAt: leaseUntil }));
    });
  }

  // Idempotency ---------------------------------------------------------------------------------------

  async getIdempotencyKey(owner: string, key: string): Promise<IdempotencyRow | undefined> {
    const rows = await this.#driver.query(
      `SELECT owner, key, request_hash, video_id, response_status, response_body, created_at
       FROM idempotency_keys WHERE owner = $1 AND key = $2`,
      [owner, key],
    );
    return rows[0] ? idempotencyFromRow(rows[0]) : undefined;
  }

  async finishIdempotencyKey(
    owner: string,
    key: string,
    response: { status: number; body: string },
  ): Promise<void> {
    await this.#driver.run(
      `UPDATE idempotency_keys SET video_id = NULL, response_status = $1, response_body = $2
       WHERE owner = $3 AND key = $4`,
      [response.status, response.body, owner, key],
    );
  }

  async deleteIdempotencyKey(owner: string, key: string): Promise<void> {
    await this.#driver.run('DELETE FROM idempotency_keys WHERE owner = $1 AND key = $2', [owner, key]);
  }

  // Hooks ---------------------------------------------------------------------------------------------

  async createHook(hook: HookRow): Promise<void> {
    await this.#driver.run(
      'INSERT INTO hooks (id, owner, target_url, event, secret, created_at) VALUES ($1, $2, $3, $4, $5, $6)',
      [hook.id, hook.owner, hook.targetUrl, hook.event, hook.secret, hook.createdAt],
    );
  }

  async listHooks(owner: string): Promise<HookRow[]> {
    const rows = await this.#driver.query(
      'SELECT id, owner, target_url, event, secret, created_at FROM hooks WHERE owner = $1 ORDER BY created_at DESC, id DESC',
      [owner],
    );
    return rows.map(hookFromRow);
  }

  async countHooks(owner: string): Promise<number> {
    const rows = await this.#driver.query('SELECT COUNT(*) AS count FROM hooks WHERE owner = $1', [owner]);
    return Number(rows[0]?.count ?? 0);
  }

  async deleteHook(owner: string, id: string): Promise<boolean> {
    return this.#driver.transaction(async (tx) => {
      const removed = await tx.run('DELETE FROM hooks WHERE id = $1 AND owner = $2', [id, owner]);
      if (removed === 0) return false;
      await this.#cancelHookDeliveries(tx, id, Date.now(), 'hook deleted');
      return true;
    });
  }

  async #cancelHookDeliveries(tx: SqlExecutor, hookId: string, now: number, reason: string): Promise<void> {
    await tx.run(
      `UPDATE deliveries SET status = 'cancelled', last_error = $1, updated_at = $2, next_attempt_at = NULL
       WHERE hook_id = $3 AND status IN ('pending', 'delivering', 'dead')`,
      [reason, now, hookId],
    );
  }

  // Events --------------------------------------------------------------------------------------------

  async listEvents(
    owner: string,
    query: { types?: EventType[]; limit: number; videoId?: string },
  ): Promise<EventRow[]> {
    const conditions = ['owner = $1'];
    const params: unknown[] = [owner];
    if (query.types && query.types.length > 0) {
      conditions.push(`type IN (${placeholders(query.types.length, params.length + 1)})`);
      params.push(...query.types);
    }
    if (query.videoId) {
      params.push(query.videoId);
      conditions.push(`video_id = $${params.length}`);
    }
    params.push(query.limit);
    const rows = await this.#driver.query(
      `SELECT id, owner, video_id, type, payload, created_at FROM events WHERE ${conditions.join(' AND ')}
       ORDER BY created_at DESC, id DESC LIMIT $${params.length}`,
      params,
    );
    return rows.map(eventFromRow);
  }

  // Deliveries ----------------------------------------------------------------------------------------

  async claimDueDeliveries(options: {
    now: number;
    limit: number;
    leaseUntil: number;
    replicaId: string;
  }): Promise<ClaimedDelivery[]> {
    // Cheap look first (no transaction, no locks): most polls find nothing due.
    const any = await this.#driver.query(
      `SELECT 1 AS due FROM deliveries
       WHERE status IN ('pending', 'delivering') AND next_attempt_at <= $1 LIMIT 1`,
      [options.now],
    );
    if (any.length === 0) return [];
    return this.#driver.transaction(async (tx) => {
      const due = await tx.query(
        `SELECT id FROM deliveries
         WHERE status IN ('pending', 'delivering') AND next_attempt_at <= $1
         ORDER BY next_attempt_at LIMIT $2 ${this.#driver.lockClause('skip-locked')}`,
        [options.now, options.limit],
      );
      if (due.length === 0) return [];
      const ids = due.map((row) => String(row.id));
      // The claim is written (and committed) before anything is sent: status, attempt number, lease.
      const claimed = await tx.query(
        `UPDATE deliveries SET status = 'delivering', attempts = attempts + 1, next_attempt_at = $1,
           claimed_by = $2, updated_at = $3
         WHERE id IN (${placeholders(ids.length, 4)})
         RETURNING id, event_id, hook_id, target_url, attempts, window_started_at`,
        [options.leaseUntil, options.replicaId, options.now, ...ids],
      );
      if (claimed.length === 0) return [];
      const eventIds = [...new Set(claimed.map((row) => String(row.event_id)))];
      const hookIds = [...new Set(claimed.map((row) => String(row.hook_id)))];
      const events = new Map(
        (
          await tx.query(
            `SELECT id, payload FROM events WHERE id IN (${placeholders(eventIds.length)})`,
            eventIds,
          )
        ).map((row) => [String(row.id), String(row.payload)]),
      );
      const secrets = new Map(
        (
          await tx.query(
            `SELECT id, secret FROM hooks WHERE id IN (${placeholders(hookIds.length)})`,
            hookIds,
          )
        ).map((row) => [String(row.id), String(row.secret)]),
      );
      const result: ClaimedDelivery[] = [];
      for (const row of claimed) {
        const payload = events.get(String(row.event_id));
        const secret = secrets.get(String(row.hook_id));
        if (payload === undefined || secret === undefined) {
          await tx.run(
            `UPDATE deliveries SET status = 'cancelled', next_attempt_at = NULL, last_error = 'hook deleted'
             WHERE id = $1`,
            [row.id],
          );
          continue;
        }
        await tx.run(
          'INSERT INTO delivery_attempts (delivery_id, attempt, replica, started_at) VALUES ($1, $2, $3, $4)',
          [row.id, row.attempts, options.replicaId, options.now],
        );
        result.push({
          id: String(row.id),
          eventId: String(row.event_id),
          hookId: String(row.hook_id),
          targetUrl: String(row.target_url),
          attempt: Number(row.attempts),
          windowStartedAt: Number(row.window_started_at),
          payload,
          secret,
        });
      }
      return result;
    });
  }

  async completeDelivery(
    claim: ClaimedDelivery,
    replicaId: string,
    outcome: DeliveryOutcome,
  ): Promise<boolean> {
    const fence = 'id = $1 AND status = $2 AND attempts = $3 AND claimed_by = $4';
    const fenceParams = [claim.id, 'delivering', claim.attempt, replicaId];
    switch (outcome.kind) {
      case 'succeeded':
        return (
          (await this.#driver.run(
            `UPDATE deliveries SET status = 'succeeded', next_attempt_at = NULL, last_status_code = $5,
               last_error = NULL, updated_at = $6, delivered_at = $6
             WHERE ${fence}`,
            [...fenceParams, outcome.statusCode, outcome.now],
          )) > 0
        );
      case 'retry':
        return (
          (await this.#driver.run(
            `UPDATE deliveries SET status = 'pending', next_attempt_at = $5, last_status_code = $6,
               last_error = $7, updated_at = $8
             WHERE ${fence}`,
            [
              ...fenceParams,
              outcome.nextAttemptAt,
              outcome.statusCode,
              outcome.error.slice(0, 500),
              outcome.now,
            ],
          )) > 0
        );
      case 'dead':
        return (
          (await this.#driver.run(
            `UPDATE deliveries SET status = 'dead', next_attempt_at = NULL, last_status_code = $5,
               last_error = $6, updated_at = $7
             WHERE ${fence}`,
            [...fenceParams, outcome.statusCode, outcome.error.slice(0, 500), outcome.now],
          )) > 0
        );
      case 'gone':
        return this.#driver.transaction(async (tx) => {
          const updated = await tx.run(
            `UPDATE deliveries SET status = 'cancelled', next_attempt_at = NULL, last_status_code = $5,
               last_error = $6, updated_at = $7
             WHERE ${fence}`,
            [...fenceParams, outcome.statusCode, 'subscriber answered 410 Gone: hook removed', outcome.now],
          );
          await tx.run('DELETE FROM hooks WHERE id = $1', [claim.hookId]);
          await this.#cancelHookDeliveries(tx, claim.hookId, outcome.now, 'hook removed after 410 Gone');
          return updated > 0;
        });
    }
  }

  async releaseClaims(replicaId: string, now: number): Promise<number> {
    return this.#driver.run(
      `UPDATE deliveries SET status = 'pending', next_attempt_at = $1, updated_at = $1
       WHERE status = 'delivering' AND claimed_by = $2`,
      [now, replicaId],
    );
  }

  async listDeliveries(
    owner: string,
    query: { status?: DeliveryStatus; limit: number },
  ): Promise<DeliveryRow[]> {
    const params: unknown[] = [owner];
    let condition = 'd.owner = $1';
    if (query.status) {
      params.push(query.status);
      condition += ` AND d.status = $${params.length}`;
    }
    params.push(query.limit);
    const rows = await this.#driver.query(
      `SELECT d.*, e.type AS event_type FROM deliveries d JOIN events e ON e.id = d.event_id
       WHERE ${condition} ORDER BY d.updated_at DESC, d.id DESC LIMIT $${params.length}`,
      params,
    );
    return rows.map(deliveryFromRow);
  }

  async getDelivery(owner: string, id: string): Promise<DeliveryRow | undefined> {
    const rows = await this.#driver.query(
      `SELECT d.*, e.type AS event_type FROM deliveries d JOIN events e ON e.id = d.event_id
       WHERE d.id = $1 AND d.owner = $2`,
      [id, owner],
    );
    return rows[0] ? deliveryFromRow(rows[0]) : undefined;
  }

  async replayDelivery(owner: string, id: string, now: number): Promise<boolean> {
    const changed = await this.#driver.run(
      `UPDATE deliveries SET status = 'pending', next_attempt_at = $1, window_started_at = $1, updated_at = $1
       WHERE id = $2 AND owner = $3 AND status = 'dead' AND hook_id IN (SELECT id FROM hooks)`,
      [now, id, owner],
    );
    return changed > 0;
  }

  async replayDeadDeliveries(owner: string, now: number, hookId?: string): Promise<number> {
    const params: unknown[] = [now, owner];
    let condition = '';
    if (hookId) {
      params.push(hookId);
      condition = ' AND hook_id = $3';
    }
    return this.#driver.run(
      `UPDATE deliveries SET status = 'pending', next_attempt_at = $1, window_started_at = $1, updated_at = $1
       WHERE owner = $2 AND status = 'dead'${condition} AND hook_id IN (SELECT id FROM hooks)`,
      params,
    );
  }

  async countDeliveries(): Promise<DeliveryCounts> {
    const rows = await this.#driver.query('SELECT status, COUNT(*) AS count FROM deliveries GROUP BY status');
    const counts: DeliveryCounts = { pending: 0, delivering: 0, succeeded: 0, dead: 0, cancelled: 0 };
    for (const row of rows) counts[row.status as keyof DeliveryCounts] = Number(row.count);
    return counts;
  }

  async nextDeliveryDueAt(): Promise<number | undefined> {
    const rows = await this.#driver.query(
      `SELECT MIN(next_attempt_at) AS due FROM deliveries WHERE status IN ('pending', 'delivering')`,
    );
    const due = rows[0]?.due;
    return due === null || due === undefined ? undefined : Number(due);
  }

  async purgeExpired(keysBefore: number, recordsBefore: number): Promise<void> {
    await this.#driver.transaction(async (tx) => {
      await tx.run('DELETE FROM idempotency_keys WHERE created_at < $1', [keysBefore]);
      await tx.run('DELETE FROM inbound_deliveries WHERE received_at < $1', [keysBefore]);
      await tx.run(
        `DELETE FROM delivery_attempts WHERE delivery_id IN (
           SELECT id FROM deliveries WHERE status IN ('succeeded', 'cancelled') AND updated_at < $1)`,
        [recordsBefore],
      );
      await tx.run(`DELETE FROM deliveries WHERE status IN ('succeeded', 'cancelled') AND updated_at < $1`, [
        recordsBefore,
      ]);
      await tx.run(
        `DELETE FROM events WHERE created_at < $1 AND id NOT IN (SELECT event_id FROM deliveries)`,
        [recordsBefore],
      );
    });
  }
}
