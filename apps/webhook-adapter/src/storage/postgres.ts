/**
 * PostgreSQL backend (node-postgres): for several replicas sharing one database. Claims use
 * `FOR UPDATE SKIP LOCKED`, so concurrent replicas take disjoint rows without waiting on each other.
 * Everything lives in one schema (`DATABASE_SCHEMA`), created on start-up, so tests can use a fresh
 * schema per run and drop it afterwards.
 */
import pg from 'pg';
import { type Row, type SqlDriver, type SqlExecutor, SqlStorage } from './sql-storage.js';

const INT8_OID = 20;
const NUMERIC_OID = 1700;

// Times are Unix milliseconds in BIGINT columns: well inside 2^53, so JavaScript numbers are exact.
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID || oid === NUMERIC_OID) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format as 'text');
  },
};

class PostgresDriver implements SqlDriver {
  readonly dialect = 'postgres' as const;
  readonly #pool: pg.Pool;

  constructor(options: { url: string; schema: string; poolSize: number }) {
    this.#pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolSize,
      types: types as never,
      // Every connection works inside the service's schema.
      options: `-c search_path=${options.schema}`,
      connectionTimeoutMillis: 10_000,
    });
    // An idle client losing its connection must not crash the process; the pool replaces it.
    this.#pool.on('error', () => {});
  }

  async query(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
    return (await this.#pool.query(sql, params as unknown[])).rows;
  }

  async run(sql: string, params: readonly unknown[] = []): Promise<number> {
    return (await this.#pool.query(sql, params as unknown[])).rowCount ?? 0;
  }

  async transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const client = await this.#pool.connect();
    const tx: SqlExecutor = {
      query: async (sql, params = []) => (await client.query(sql, params as unknown[])).rows,
      run: async (sql, params = []) => (await client.query(sql, params as unknown[])).rowCount ?? 0,
    };
    try {
      await client.query('BEGIN');
      const result = await work(tx);
      await client.query('COMMIT');
      client.release();
      return result;
    } catch (error) {
      try {
        await client.query('ROLLBACK');
        client.release();
      } catch {
        client.release(true);
      }
      throw error;
    }
  }

  lockClause(kind: 'update' | 'skip-locked'): string {
    return kind === 'update' ? 'FOR UPDATE' : 'FOR UPDATE SKIP LOCKED';
  }

  isUniqueViolation(error: unknown): boolean {
    return (error as { code?: string })?.code === '23505';
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }
}

/** Create the schema if needed (a separate connection, before the pool pins `search_path`). */
async function ensureSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
  } catch (error) {
    // Two replicas starting at once may race on CREATE SCHEMA; the loser sees a unique violation.
    if ((error as { code?: string }).code !== '23505') throw error;
  } finally {
    await client.end();
  }
}

export async function createPostgresStorage(options: {
  url: string;
  schema: string;
  poolSize: number;
}): Promise<SqlStorage> {
  await ensureSchema(options.url, options.schema);
  return new SqlStorage(new PostgresDriver(options));
}

/** Drop a schema and everything in it (tests). */
export async function dropPostgresSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}
