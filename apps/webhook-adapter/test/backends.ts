/**
 * Runs a suite on both storage backends for real: SQLite in a temp file, PostgreSQL in a schema of its
 * own that is dropped afterwards. PostgreSQL is required (CI has it); set SKIP_POSTGRES_TESTS=1 to run
 * without it on a machine that has none.
 */
import { type Adapter, createAdapter } from '../src/app.js';
import type { AdapterConfig } from '../src/config.js';
import {
  createPostgresStorage,
  createSqliteStorage,
  dropPostgresSchema,
  type Storage,
} from '../src/storage/index.js';
import type { KlingGateway } from '../src/task-sync.js';
import { PG_URL, postgresAvailable, tempPath, testConfig, uniqueSchema } from './helpers.js';

export type BackendName = 'sqlite' | 'postgres';

export const BACKENDS: BackendName[] =
  process.env.SKIP_POSTGRES_TESTS === '1' ? ['sqlite'] : ['sqlite', 'postgres'];

export interface BackendHandle {
  /** Environment overrides selecting this backend (for child processes). */
  env: Record<string, string>;
  open(): Promise<Storage>;
  cleanup(): Promise<void>;
}

export async function backend(name: BackendName, label: string): Promise<BackendHandle> {
  if (name === 'sqlite') {
    const path = tempPath(`${label}.db`);
    return {
      env: { SQLITE_PATH: path, DATABASE_URL: '' },
      open: async () => {
        const storage = createSqliteStorage(path);
        await storage.migrate();
        return storage;
      },
      cleanup: async () => {},
    };
  }
  if (!(await postgresAvailable())) {
    throw new Error(`PostgreSQL is not reachable at ${PG_URL}; start it or set SKIP_POSTGRES_TESTS=1`);
  }
  const schema = uniqueSchema(label);
  return {
    env: { DATABASE_URL: PG_URL, DATABASE_SCHEMA: schema },
    open: async () => {
      const storage = await createPostgresStorage({ url: PG_URL, schema, poolSize: 5 });
      await storage.migrate();
      return storage;
    },
    cleanup: () => dropPostgresSchema(PG_URL, schema),
  };
}

/** An in-process adapter on the given backend. */
export async function inProcessAdapter(
  handle: BackendHandle,
  options: { kling?: KlingGateway; env?: Record<string, string | undefined>; now?: () => number } = {},
): Promise<{ adapter: Adapter; config: AdapterConfig }> {
  const config = testConfig({ ...handle.env, ...options.env });
  const storage = await handle.open();
  const adapter = await createAdapter(config, {
    storage,
    ...(options.kling ? { kling: options.kling } : {}),
    ...(options.now ? { now: options.now } : {}),
  });
  return { adapter, config };
}
