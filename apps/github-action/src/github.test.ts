import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { commentMarker } from './comment.js';
import {
  assetNames,
  createGitHubClient,
  type GitHubClient,
  USER_AGENT,
  uploadReleaseAssets,
  upsertStickyComment,
} from './github.js';

function fakeOctokit(lists: {
  comments?: { id: number; body?: string }[];
  assets?: { id: number; name: string }[];
}) {
  const issues = {
    listComments: vi.fn(),
    createComment: vi.fn(async ({ body }: { body: string }) => ({
      data: { id: 501, body, html_url: 'https://github.com/acme/avatars/pull/7#issuecomment-501' },
    })),
    updateComment: vi.fn(async ({ comment_id, body }: { comment_id: number; body: string }) => ({
      data: {
        id: comment_id,
        body,
        html_url: `https://github.com/acme/avatars/pull/7#issuecomment-${comment_id}`,
      },
    })),
  };
  const repos = {
    listReleaseAssets: vi.fn(),
    deleteReleaseAsset: vi.fn(async () => ({ data: undefined })),
    uploadReleaseAsset: vi.fn(async ({ name }: { name: string }) => ({
      data: { browser_download_url: `https://github.com/acme/avatars/releases/download/v1/${name}` },
    })),
  };
  const paginate = vi.fn(async (method: unknown) =>
    method === issues.listComments ? (lists.comments ?? []) : (lists.assets ?? []),
  );
  return {
    octokit: { paginate, rest: { issues, repos } } as unknown as GitHubClient,
    issues,
    repos,
    paginate,
  };
}

const marker = commentMarker('kling-avatar');
const target = { owner: 'acme', repo: 'avatars', issueNumber: 7, marker };

describe('createGitHubClient', () => {
  it('uses GITHUB_API_URL as the base URL and identifies itself', () => {
    const octokit = createGitHubClient('ghs_x', 'https://ghe.example.com/api/v3');
    const defaults = octokit.request.endpoint.DEFAULTS;
    expect(defaults.baseUrl).toBe('https://ghe.example.com/api/v3');
    expect(defaults.headers['user-agent']).toMatch(new RegExp(`^${USER_AGENT} `));
  });
});

describe('upsertStickyComment', () => {
  it('creates the comment (with the marker) when none carries the marker', async () => {
    const { octokit, issues, paginate } = fakeOctokit({ comments: [{ id: 1, body: 'LGTM' }] });
    const result = await upsertStickyComment(octokit, { ...target, body: 'results' });
    expect(paginate).toHaveBeenCalledWith(issues.listComments, {
      owner: 'acme',
      repo: 'avatars',
      issue_number: 7,
      per_page: 100,
    });
    expect(issues.createComment).toHaveBeenCalledWith({
      owner: 'acme',
      repo: 'avatars',
      issue_number: 7,
      body: `${marker}\nresults`,
    });
    expect(issues.updateComment).not.toHaveBeenCalled();
    expect(result).toMatchObject({ action: 'created', id: 501 });
  });

  it('updates the marked comment in place', async () => {
    const { octokit, issues } = fakeOctokit({
      comments: [
        { id: 1, body: 'LGTM' },
        { id: 2, body: `${commentMarker('other-step')}\nnot ours` },
        { id: 3, body: `${marker}\nold results` },
      ],
    });
    const result = await upsertStickyComment(octokit, { ...target, body: `${marker}\nnew results` });
    expect(issues.updateComment).toHaveBeenCalledWith({
      owner: 'acme',
      repo: 'avatars',
      comment_id: 3,
      body: `${marker}\nnew results`,
    });
    expect(issues.createComment).not.toHaveBeenCalled();
    expect(result).toMatchObject({ action: 'updated', id: 3 });
  });
});

describe('uploadReleaseAssets', () => {
  it('replaces same-name assets and uploads to the payload upload URL', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'kling-action-assets-'));
    const file = join(folder, 'welcome.mp4');
    await writeFile(file, Buffer.from('not really an mp4'));
    const { octokit, repos } = fakeOctokit({
      assets: [
        { id: 9, name: 'welcome.mp4' },
        { id: 10, name: 'x.mp4' },
      ],
    });
    const uploadUrl = 'https://ghe.example.com/api/uploads/repos/acme/avatars/releases/5/assets{?name,label}';
    const links = await uploadReleaseAssets(octokit, {
      owner: 'acme',
      repo: 'avatars',
      release: { id: 5, uploadUrl },
      files: [{ path: file, name: 'welcome.mp4' }],
    });
    expect(repos.deleteReleaseAsset).toHaveBeenCalledWith({ owner: 'acme', repo: 'avatars', asset_id: 9 });
    expect(repos.deleteReleaseAsset).toHaveBeenCalledTimes(1);
    const upload = repos.uploadReleaseAsset.mock.calls[0]![0] as unknown as Record<string, unknown>;
    expect(upload).toMatchObject({ release_id: 5, name: 'welcome.mp4', url: uploadUrl });
    expect(upload.headers).toEqual({ 'content-type': 'video/mp4' });
    expect(Buffer.isBuffer(upload.data)).toBe(true);
    expect(links.get(file)).toBe('https://github.com/acme/avatars/releases/download/v1/welcome.mp4');
    await rm(folder, { recursive: true });
  });

  it('does nothing for no files', async () => {
    const { octokit, paginate } = fakeOctokit({});
    expect(
      (await uploadReleaseAssets(octokit, { owner: 'a', repo: 'b', release: { id: 1 }, files: [] })).size,
    ).toBe(0);
    expect(paginate).not.toHaveBeenCalled();
  });
});

describe('assetNames', () => {
  it('uses base names, folding folders in only where two would clash', () => {
    expect(
      assetNames([
        { absolute: '/w/out/en/intro.mp4', relative: 'out/en/intro.mp4' },
        { absolute: '/w/out/de/intro.mp4', relative: 'out/de/intro.mp4' },
        { absolute: '/w/out/outro final.mp4', relative: 'out/outro final.mp4' },
      ]),
    ).toEqual([
      { path: '/w/out/en/intro.mp4', name: 'out-en-intro.mp4' },
      { path: '/w/out/de/intro.mp4', name: 'out-de-intro.mp4' },
      { path: '/w/out/outro final.mp4', name: 'outro-final.mp4' },
    ]);
  });
});
