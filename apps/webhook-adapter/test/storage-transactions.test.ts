/**
 * Concurrent transactions on both backends: one that fails leaves the others committed and itself
 * leaves nothing behind. On SQLite these share one group commit, so this covers its rollback-and-retry.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { newId } from '../src/model.js';
import type { Storage } from '../src/storage/index.js';
import { BACKENDS, type BackendHandle, backend } from './backends.js';
import { testVideo } from './helpers.js';

const video = (id: string) => testVideo({ id });

describe.each(BACKENDS)('storage transactions (%s)', (name) => {
  let handle: BackendHandle;
  let storage: Storage;
  afterAll(async () => {
    await storage?.close();
    await handle?.cleanup();
  });

  it('a failing transaction among concurrent ones rolls back alone', async () => {
    handle = await backend(name, 'transactions');
    storage = await handle.open();
    const existing = video(newId('vid'));
    await storage.insertVideo(existing);

    const request = (key: string) => ({ key, requestHash: 'h' });
    const [first, duplicate, last] = await Promise.allSettled([
      storage.insertVideo(video(newId('vid')), request('key-a')),
      // Writes its idempotency key, then fails on the duplicate video id: the key must not stay.
      storage.insertVideo(video(existing.id), request('key-b')),
      storage.insertVideo(video(newId('vid')), request('key-c')),
    ]);
    expect(first.status).toBe('fulfilled');
    expect(duplicate.status).toBe('rejected');
    expect(last.status).toBe('fulfilled');

    const again = video(newId('vid'));
    await expect(storage.insertVideo(again, request('key-b'))).resolves.toBeUndefined();
    await expect(storage.getVideoById(again.id)).resolves.toMatchObject({ id: again.id });
    await expect(storage.insertVideo(video(newId('vid')), request('key-a'))).rejects.toThrow();
  });
});
