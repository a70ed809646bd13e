import { readFile, writeFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createWorkspace, type Workspace } from '../../test/helpers/workspace.js';
import { UserError } from '../util/errors.js';
import { type LockRecord, LockStore } from './lock.js';

let workspace: Workspace;
beforeEach(async () => {
  workspace = await createWorkspace();
});
afterEach(() => workspace.remove());

const record = (overrides: Partial<LockRecord> = {}): LockRecord => ({
  hash: 'ab'.repeat(32),
  generation: 0,
  externalTaskId: 'kav-x',
  target: 'local-sandbox',
  status: 'rendered',
  outputs: ['out/a.mp4'],
  updatedAt: '2026-11-23T00:00:00.000Z',
  ...overrides,
});

describe('LockStore', () => {
  it('starts empty, writes sorted JSON atomically and reads it back', async () => {
    const path = workspace.path('avatars.lock.json');
    const lock = await LockStore.load(path);
    expect(lock.get('a')).toBeUndefined();
    await Promise.all([lock.set('zeta', record()), lock.set('alpha', record({ status: 'pending' }))]);
    const written = JSON.parse(await readFile(path, 'utf8'));
    expect(Object.keys(written.jobs)).toEqual(['alpha', 'zeta']);
    expect(written).toMatchObject({ version: 1, generator: '@kling-avatar/cli' });
    const again = await LockStore.load(path);
    expect(again.get('alpha')?.status).toBe('pending');
    expect(again.resolvePath('out/a.mp4')).toBe(workspace.path('out/a.mp4'));
    expect(again.storePath(workspace.path('out', 'b.mp4'))).toBe('out/b.mp4');
  });

  it('drops records of jobs that left the manifest', async () => {
    const lock = await LockStore.load(workspace.path('l.json'));
    await lock.set('a', record());
    await lock.set('b', record());
    lock.retainOnly(['b']);
    await lock.save();
    expect(Object.keys((await LockStore.load(workspace.path('l.json'))).toJSON().jobs)).toEqual(['b']);
  });

  it('explains a damaged lock file instead of crashing', async () => {
    const path = await workspace.write('broken.lock.json', '{ "version": 1, "jobs": {');
    await expect(LockStore.load(path)).rejects.toThrow(UserError);
    await writeFile(path, JSON.stringify({ version: 9, jobs: {} }));
    await expect(LockStore.load(path)).rejects.toThrow(/version 9/);
  });
});
