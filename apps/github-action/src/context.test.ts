import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEventContext, secretlessReason } from './context.js';

let folder: string;
let counter = 0;

async function contextFor(eventName: string, payload: unknown, extra: Record<string, string> = {}) {
  const path = join(folder, `event-${counter++}.json`);
  await writeFile(path, JSON.stringify(payload));
  return readEventContext({
    GITHUB_EVENT_NAME: eventName,
    GITHUB_EVENT_PATH: path,
    GITHUB_REPOSITORY: 'acme/avatars',
    GITHUB_RUN_ID: '99',
    ...extra,
  });
}

function pullRequest(number: number, head: unknown) {
  return { pull_request: { number, head: { repo: head }, base: { repo: { full_name: 'acme/avatars' } } } };
}

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'kling-action-context-'));
});
afterAll(() => rm(folder, { recursive: true, force: true }));

describe('readEventContext', () => {
  it('reads the repository, API URL (GHES-ready) and run URL', async () => {
    const context = await contextFor(
      'push',
      {},
      {
        GITHUB_API_URL: 'https://ghe.example.com/api/v3/',
        GITHUB_SERVER_URL: 'https://ghe.example.com',
      },
    );
    expect(context).toMatchObject({
      eventName: 'push',
      repository: { owner: 'acme', repo: 'avatars' },
      apiUrl: 'https://ghe.example.com/api/v3',
      runUrl: 'https://ghe.example.com/acme/avatars/actions/runs/99',
    });
    expect(context.pullRequest).toBeUndefined();
  });

  it('defaults to github.com when the runner variables are missing', () => {
    expect(readEventContext({})).toMatchObject({ apiUrl: 'https://api.github.com', eventName: '' });
  });

  it('tells same-repository pull requests from forks and deleted forks', async () => {
    const own = await contextFor('pull_request', pullRequest(3, { full_name: 'acme/avatars', fork: false }));
    expect(own.pullRequest).toMatchObject({ number: 3, fromFork: false });
    expect(secretlessReason(own)).toBeUndefined();

    const fork = await contextFor(
      'pull_request',
      pullRequest(4, { full_name: 'someone/avatars', fork: true }),
    );
    expect(fork.pullRequest).toMatchObject({ number: 4, fromFork: true, headRepository: 'someone/avatars' });
    expect(secretlessReason(fork)).toBe('pull request #4 comes from a fork (someone/avatars)');

    const deleted = await contextFor('pull_request', pullRequest(5, null));
    expect(deleted.pullRequest?.fromFork).toBe(true);
  });

  it('does not skip pull_request_target (it runs with secrets in the base repository)', async () => {
    const target = await contextFor(
      'pull_request_target',
      pullRequest(6, { full_name: 'someone/avatars', fork: true }),
    );
    expect(target.pullRequest?.fromFork).toBe(true);
    expect(secretlessReason(target)).toBeUndefined();
  });

  it('knows Dependabot pull requests get no repository secrets', async () => {
    const context = await contextFor(
      'pull_request',
      pullRequest(7, { full_name: 'acme/avatars', fork: false }),
      { GITHUB_ACTOR: 'dependabot[bot]' },
    );
    expect(secretlessReason(context)).toBe('pull request #7 was opened by Dependabot');
  });

  it('reads the release of a release event', async () => {
    const context = await contextFor('release', {
      release: { id: 12, tag_name: 'v1.2.0', upload_url: 'https://uploads.github.com/x{?name,label}' },
    });
    expect(context.release).toEqual({
      id: 12,
      tagName: 'v1.2.0',
      uploadUrl: 'https://uploads.github.com/x{?name,label}',
      htmlUrl: undefined,
    });
  });

  it('survives a missing or broken payload file', async () => {
    const path = join(folder, 'broken.json');
    await writeFile(path, '{ not json');
    expect(readEventContext({ GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: path }).pullRequest).toBe(
      undefined,
    );
  });
});
