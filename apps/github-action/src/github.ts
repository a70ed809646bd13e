/**
 * GitHub REST calls: one Octokit for the run (base URL from `GITHUB_API_URL`, so GitHub Enterprise
 * Server works), the sticky pull-request comment, and release asset uploads.
 */
import { readFile } from 'node:fs/promises';
import { Octokit } from '@octokit/rest';
import type { ReleaseInfo, RepositoryRef } from './context.js';

export const USER_AGENT = 'kling-avatar-github-action';

export type GitHubClient = InstanceType<typeof Octokit>;

export function createGitHubClient(token: string, apiUrl: string): GitHubClient {
  return new Octokit({
    auth: token,
    baseUrl: apiUrl,
    userAgent: USER_AGENT,
    // Octokit logs deprecations with console.warn; route everything through the action's own log.
    log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
  });
}

// ── Sticky comment ────────────────────────────────────────────────────────────────────────────────

export interface StickyCommentResult {
  action: 'created' | 'updated';
  id: number;
  url?: string;
}

/** Update the comment carrying `marker` in place, or create it; never leaves two. */
export async function upsertStickyComment(
  octokit: GitHubClient,
  options: RepositoryRef & { issueNumber: number; marker: string; body: string },
): Promise<StickyCommentResult> {
  const { owner, repo, issueNumber, marker } = options;
  const body = options.body.includes(marker) ? options.body : `${marker}\n${options.body}`;
  const comments = await octokit.paginate(octokit.rest.issues.listComments, {
    owner,
    repo,
    issue_number: issueNumber,
    per_page: 100,
  });
  const existing = comments.find((comment) => comment.body?.includes(marker));
  if (existing) {
    const { data } = await octokit.rest.issues.updateComment({ owner, repo, comment_id: existing.id, body });
    return { action: 'updated', id: data.id, url: data.html_url };
  }
  const { data } = await octokit.rest.issues.createComment({ owner, repo, issue_number: issueNumber, body });
  return { action: 'created', id: data.id, url: data.html_url };
}

// ── Release assets ────────────────────────────────────────────────────────────────────────────────

export interface AssetFile {
  /** Absolute path of the file to upload. */
  path: string;
  /** Asset name (unique within the release). */
  name: string;
}

/**
 * Upload files as assets of the release; an asset of the same name (a re-run) is replaced. Returns
 * the download URL per file path.
 */
export async function uploadReleaseAssets(
  octokit: GitHubClient,
  options: RepositoryRef & { release: ReleaseInfo; files: AssetFile[] },
): Promise<Map<string, string>> {
  const { owner, repo, release } = options;
  const links = new Map<string, string>();
  if (options.files.length === 0) return links;
  const existing = await octokit.paginate(octokit.rest.repos.listReleaseAssets, {
    owner,
    repo,
    release_id: release.id,
    per_page: 100,
  });
  for (const file of options.files) {
    const previous = existing.find((asset) => asset.name === file.name);
    if (previous) await octokit.rest.repos.deleteReleaseAsset({ owner, repo, asset_id: previous.id });
    const data = await readFile(file.path);
    const { data: asset } = await octokit.rest.repos.uploadReleaseAsset({
      owner,
      repo,
      release_id: release.id,
      name: file.name,
      // The payload's upload URL is the right host on github.com (uploads.github.com) and on GHES
      // (<host>/api/uploads); Octokit's route default only knows the former.
      ...(release.uploadUrl ? { url: release.uploadUrl } : {}),
      // Octokit sends the bytes as they are; the type says string.
      data: data as unknown as string,
      // fetch sets content-length from the buffer.
      headers: { 'content-type': 'video/mp4' },
    });
    links.set(file.path, asset.browser_download_url);
  }
  return links;
}

/** Asset names for the files: base names, with the folder folded in where two would clash. */
export function assetNames(paths: { absolute: string; relative: string }[]): AssetFile[] {
  const byBase = new Map<string, number>();
  const base = (path: string) => path.split(/[\\/]/).pop() ?? path;
  for (const { relative } of paths) byBase.set(base(relative), (byBase.get(base(relative)) ?? 0) + 1);
  return paths.map(({ absolute, relative }) => ({
    path: absolute,
    name: (byBase.get(base(relative))! > 1 ? relative.replace(/^\/+/, '') : base(relative)).replace(
      /[^A-Za-z0-9._-]+/g,
      '-',
    ),
  }));
}
