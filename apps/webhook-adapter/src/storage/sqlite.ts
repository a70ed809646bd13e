/**
 * SQLite backend (better-sqlite3): the embedded default, one file, one process. WAL mode, so readers do
 * not block the writer and a `kill -9` loses no committed transaction. better-sqlite3 is synchronous;
 * a promise-chain lock keeps each async transaction exclusive on the single connection.
 *
 * Group commit: transactions that arrive while another is running are queued and then run together in
 * one SQLite transaction (if one of them fails, the group is rolled back and each runs again on its
 * own, so only that one fails), and each caller's promise settles only after the shared COMMIT. Under load this turns hundreds of commits (each
 * a WAL write) into a few, without weakening what a caller is promised.
 *
 * WAL checkpoints (copying the log into the database file, with an fsync) run in a worker thread on
 * their own connection, not inside a request's COMMIT on the event loop: on a busy disk a checkpoint
 * can take long enough to stall every request. If that worker ever stops, automatic checkpoints are
 * switched back on.
 */
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { type Row, type SqlDriver, type SqlExecutor, SqlStorage } from './sql-storage.js';

interface Compiled {
  sql: string;
  /** For each `?`, the index into the `$n` parameter list. */
  order: number[];
}

const compiled = new Map<string, Compiled>();

const CHECKPOINT_INTERVAL_MS = 1000;
/** Most transactions committed together. */
const MAX_GROUP = 256;

interface QueuedTransaction {
  work: (tx: SqlExecutor) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}
const CHECKPOINTER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.path);
db.pragma('busy_timeout = 2000');
const timer = setInterval(() => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch {}
}, workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch {}
  db.close();
  parentPort.close();
});
`;

/** `$1 … $n` (reusable, any order) → positional `?`. */
function compile(sql: string): Compiled {
  let entry = compiled.get(sql);
  if (!entry) {
    const order: number[] = [];
    const text = sql.replace(/\$(\d+)/g, (_, digits: string) => {
      order.push(Number(digits) - 1);
      return '?';
    });
    entry = { sql: text, order };
    compiled.set(sql, entry);
  }
  return entry;
}

function bind(order: number[], params: readonly unknown[]): unknown[] {
  return order.map((index) => {
    const value = params[index];
    if (value === undefined) return null;
    if (typeof value === 'boolean') return value ? 1 : 0;
    return value;
  });
}

class SqliteDriver implements SqlDriver {
  readonly dialect = 'sqlite' as const;
  readonly #db: Database.Database;
  readonly #statements = new Map<string, Database.Statement>();
  #lock: Promise<unknown> = Promise.resolve();
  readonly #begin: Database.Statement;
  readonly #commit: Database.Statement;
  readonly #rollback: Database.Statement;
  #checkpointer: Worker | undefined;
  #queued: QueuedTransaction[] = [];
  /** What transaction work runs against: the connection itself, inside the group's BEGIN…COMMIT. */
  readonly #tx: SqlExecutor = {
    query: async (sql, params) => this.#queryNow(sql, params),
    run: async (sql, params) => this.#runNow(sql, params),
  };
  #flushScheduled = false;

  constructor(path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.#db = new Database(path);
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('synchronous = NORMAL');
    this.#db.pragma('busy_timeout = 5000');
    this.#db.pragma('foreign_keys = OFF');
    this.#begin = this.#db.prepare('BEGIN IMMEDIATE');
    this.#commit = this.#db.prepare('COMMIT');
    this.#rollback = this.#db.prepare('ROLLBACK');
    if (path !== ':memory:') this.#startCheckpointer(path);
  }

  #startCheckpointer(path: string): void {
    this.#db.pragma('wal_autocheckpoint = 0');
    const worker = new Worker(CHECKPOINTER_SOURCE, {
      eval: true,
      workerData: {
        path,
        module: createRequire(import.meta.url).resolve('better-sqlite3'),
        intervalMs: CHECKPOINT_INTERVAL_MS,
      },
    });
    worker.unref();
    const fallBack = () => {
      if (this.#checkpointer !== worker) return;
      this.#checkpointer = undefined;
      if (this.#db.open) this.#db.pragma('wal_autocheckpoint = 1000');
    };
    worker.on('error', fallBack);
    worker.on('exit', fallBack);
    this.#checkpointer = worker;
  }

  #statement(sql: string): { statement: Database.Statement; order: number[] } {
    const { sql: text, order } = compile(sql);
    let statement = this.#statements.get(text);
    if (!statement) {
      statement = this.#db.prepare(text);
      this.#statements.set(text, statement);
    }
    return { statement, order };
  }

  #queryNow(sql: string, params: readonly unknown[] = []): Row[] {
    const { statement, order } = this.#statement(sql);
    return statement.all(...bind(order, params)) as Row[];
  }

  #runNow(sql: string, params: readonly unknown[] = []): number {
    const { statement, order } = this.#statement(sql);
    if (statement.reader) return statement.all(...bind(order, params)).length;
    return statement.run(...bind(order, params)).changes;
  }

  #exclusive<T>(work: () => Promise<T>): Promise<T> {
    const result = this.#lock.then(work, work);
    this.#lock = result.catch(() => undefined);
    return result;
  }

  query(sql: string, params?: readonly unknown[]): Promise<Row[]> {
    return this.#exclusive(async () => this.#queryNow(sql, params));
  }

  /** Single writes join the next group commit too. */
  run(sql: string, params?: readonly unknown[]): Promise<number> {
    return this.transaction((tx) => tx.run(sql, params));
  }

  transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queued.push({ work, resolve: resolve as (value: unknown) => void, reject });
      this.#scheduleFlush();
    });
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    // After the current I/O phase (setImmediate), so every request read in it joins the group, and
    // once the lock is free; everything queued by then commits together.
    setImmediate(() => this.#exclusive(() => this.#flush()).catch(() => undefined));
  }

  async #flush(): Promise<void> {
    this.#flushScheduled = false;
    const batch = this.#queued.splice(0, MAX_GROUP);
    if (this.#queued.length > 0) this.#scheduleFlush();
    if (batch.length > 0) await this.#commitGroup(batch);
  }

  /**
   * Runs `items` in one transaction, without per-item savepoints (they cost as much as the work
   * itself). If one fails (rare), the group is rolled back and each item runs again on its own, so
   * only the failing one fails. Callers learn their outcome only after COMMIT.
   */
  async #commitGroup(items: QueuedTransaction[]): Promise<void> {
    try {
      this.#begin.run();
      const values: unknown[] = [];
      for (const item of items) values.push(await item.work(this.#tx));
      this.#commit.run();
      for (const [index, item] of items.entries()) item.resolve(values[index]);
    } catch (error) {
      this.#rollbackQuietly();
      if (items.length === 1) items[0]!.reject(error);
      else for (const item of items) await this.#commitGroup([item]);
    }
  }

  #rollbackQuietly(): void {
    try {
      if (this.#db.open && this.#db.inTransaction) this.#rollback.run();
    } catch {
      // The connection is gone; nothing was committed.
    }
  }

  lockClause(): string {
    return '';
  }

  isUniqueViolation(error: unknown): boolean {
    return (error as { code?: string })?.code?.startsWith('SQLITE_CONSTRAINT') === true;
  }

  async close(): Promise<void> {
    // Let queued group commits finish (a flush may schedule the next one).
    do await this.#lock.catch(() => undefined);
    while (this.#queued.length > 0 || this.#flushScheduled);
    const worker = this.#checkpointer;
    this.#checkpointer = undefined;
    if (worker) {
      // Keep the process alive until the checkpointer has closed its connection (at most 2 s).
      worker.ref();
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      worker.postMessage('close');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(resolve, 2000)))]);
      clearTimeout(timer);
    }
    // Closing the last connection checkpoints what is left and removes the WAL file.
    this.#db.close();
  }
}

export function createSqliteStorage(path: string): SqlStorage {
  return new SqlStorage(new SqliteDriver(path));
}
