/**
 * The one storage interface both backends implement (SQLite for one process, PostgreSQL for several
 * replicas). Every state change that produces outbound work is a single transaction that also writes
 * that work (the outbox): a status change writes the video, its event and one delivery row per matching
 * hook together, so nothing is ever sent that is not recorded first, and nothing recorded is lost.
 *
 * Claiming: `claimDueDeliveries` moves due rows to `delivering`, bumps `attempts`, sets a lease and
 * records the attempt, all in one transaction (PostgreSQL: `FOR UPDATE SKIP LOCKED`), so no two
 * replicas ever hold the same attempt. A sender that dies leaves the lease to expire; the row is then
 * due again and the next claim is a new attempt with the same event id (at-least-once delivery).
 */
import type {
  ClaimedDelivery,
  DeliveryRow,
  DeliveryStatus,
  EventRow,
  EventType,
  HookRow,
  IdempotencyRow,
  TaskSnapshot,
  VideoRow,
  VideoStatus,
} from '../model.js';

export interface ListVideosQuery {
  status?: VideoStatus;
  limit: number;
  /** Only videos older than this id (cursor for the next page). */
  before?: { createdAt: number; id: string };
}

export interface ApplyUpdateOptions {
  now: number;
  /** When the video stays unfinished, when to poll it next. */
  nextPollAt: number | null;
  /** Signed inbound deliveries: recorded in the same transaction; a repeat is reported, not applied. */
  inboundDeliveryId?: string;
  /** Also record that a callback arrived (pushes reconciliation back). */
  callbackAt?: number;
  /**
   * Checked against the current row, inside the transaction and before anything is written (so a
   * signed callback needs no separate read): a refusal reason stops the update.
   */
  authorize?: (video: VideoRow) => string | undefined;
}

export interface ApplyUpdateResult {
  /** No such video, or `authorize` refused it (with its reason): nothing was applied. */
  refused?: string;
  /** The inbound delivery id was seen before: nothing was applied. */
  duplicate: boolean;
  /** The video moved forward (an event was written). */
  changed: boolean;
  video?: VideoRow;
  event?: EventRow;
  /** Deliveries queued for the event. */
  deliveries: number;
}

export type DeliveryOutcome =
  | { kind: 'succeeded'; statusCode: number; now: number }
  | { kind: 'retry'; statusCode: number | null; error: string; nextAttemptAt: number; now: number }
  | { kind: 'dead'; statusCode: number | null; error: string; now: number }
  /** 410 Gone: the hook is removed and its other pending deliveries cancelled. */
  | { kind: 'gone'; statusCode: number; now: number };

export interface DeliveryCounts {
  pending: number;
  delivering: number;
  succeeded: number;
  dead: number;
  cancelled: number;
}

export class IdempotencyConflictError extends Error {
  constructor() {
    super('Idempotency key already taken');
    this.name = 'IdempotencyConflictError';
  }
}

export interface Storage {
  readonly kind: 'sqlite' | 'postgres';
  /** Create tables (idempotent). */
  migrate(): Promise<void>;
  /** Throws when the database cannot be reached. */
  ping(): Promise<void>;
  close(): Promise<void>;

  // Videos ------------------------------------------------------------------------------------------
  /** Insert a new video (status `creating`), and its idempotency key when given, atomically. */
  insertVideo(video: VideoRow, idempotency?: { key: string; requestHash: string }): Promise<void>;
  /** Remove a video that never reached Kling (still `creating`). */
  deleteCreatingVideo(id: string): Promise<void>;
  getVideo(owner: string, id: string): Promise<VideoRow | undefined>;
  getVideoById(id: string): Promise<VideoRow | undefined>;
  listVideos(owner: string, query: ListVideosQuery): Promise<VideoRow[]>;
  /**
   * Apply what Kling says about a video, in one transaction: move the status forward (never back),
   * write the event and queue a delivery for each matching hook. `renderPayload` builds the event body
   * from the updated row.
   */
  applyTaskUpdate(
    videoId: string,
    snapshot: TaskSnapshot,
    options: ApplyUpdateOptions,
    renderPayload: (eventId: string, type: EventType, createdAt: number, video: VideoRow) => string,
  ): Promise<ApplyUpdateResult>;
  /** Note a callback and set the next reconciliation time (without changing the status). */
  touchVideo(
    id: string,
    options: { callbackAt?: number; nextPollAt: number | null; now: number },
  ): Promise<void>;
  /** Claim unfinished videos whose poll time has come; pushes their poll time to `leaseUntil`. */
  claimVideosToPoll(now: number, limit: number, leaseUntil: number): Promise<VideoRow[]>;

  // Idempotency ---------------------------------------------------------------------------------------
  getIdempotencyKey(owner: string, key: string): Promise<IdempotencyRow | undefined>;
  /** Store a final error answer for a key whose create was refused (no video was kept). */
  finishIdempotencyKey(owner: string, key: string, response: { status: number; body: string }): Promise<void>;
  deleteIdempotencyKey(owner: string, key: string): Promise<void>;

  // Hooks ---------------------------------------------------------------------------------------------
  createHook(hook: HookRow): Promise<void>;
  listHooks(owner: string): Promise<HookRow[]>;
  countHooks(owner: string): Promise<number>;
  /** Delete an owner's hook and cancel its pending deliveries; false when there was none. */
  deleteHook(owner: string, id: string): Promise<boolean>;

  // Events --------------------------------------------------------------------------------------------
  listEvents(
    owner: string,
    query: { types?: EventType[]; limit: number; videoId?: string },
  ): Promise<EventRow[]>;

  // Deliveries ----------------------------------------------------------------------------------------
  claimDueDeliveries(options: {
    now: number;
    limit: number;
    leaseUntil: number;
    replicaId: string;
  }): Promise<ClaimedDelivery[]>;
  /** Record the result of one attempt. False when the claim was lost (lease expired and re-claimed). */
  completeDelivery(claim: ClaimedDelivery, replicaId: string, outcome: DeliveryOutcome): Promise<boolean>;
  /** Make this replica's claims due again at once (graceful shutdown with sends still running). */
  releaseClaims(replicaId: string, now: number): Promise<number>;
  listDeliveries(owner: string, query: { status?: DeliveryStatus; limit: number }): Promise<DeliveryRow[]>;
  getDelivery(owner: string, id: string): Promise<DeliveryRow | undefined>;
  /** Dead → pending with a fresh retry window. False when not dead or its hook is gone. */
  replayDelivery(owner: string, id: string, now: number): Promise<boolean>;
  /** Replay every dead delivery of an owner (optionally of one hook); returns how many. */
  replayDeadDeliveries(owner: string, now: number, hookId?: string): Promise<number>;
  countDeliveries(): Promise<DeliveryCounts>;
  /** Earliest `next_attempt_at` of a pending delivery, to sleep until then. */
  nextDeliveryDueAt(): Promise<number | undefined>;

  // Housekeeping --------------------------------------------------------------------------------------
  /**
   * Housekeeping: idempotency keys and inbound delivery ids older than `keysBefore`; finished deliveries
   * (succeeded, cancelled) and events with no open delivery older than `recordsBefore`.
   */
  purgeExpired(keysBefore: number, recordsBefore: number): Promise<void>;
}
