import type { AdapterConfig } from '../config.js';
import { createPostgresStorage } from './postgres.js';
import { createSqliteStorage } from './sqlite.js';
import type { Storage } from './storage.js';

export { createPostgresStorage, dropPostgresSchema } from './postgres.js';
export { createSqliteStorage } from './sqlite.js';
export * from './storage.js';

/** The backend the configuration names, migrated and ready. */
export async function openStorage(config: AdapterConfig['storage']): Promise<Storage> {
  const storage =
    config.kind === 'postgres'
      ? await createPostgresStorage({ url: config.url, schema: config.schema, poolSize: config.poolSize })
      : createSqliteStorage(config.path);
  try {
    await storage.migrate();
  } catch (error) {
    await storage.close().catch(() => {});
    throw error;
  }
  return storage;
}
