/**
 * The release workflow's tagging step, run against real git repositories in a temp folder: a working
 * clone and a bare "origin".
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pushReleaseTags, releaseTags } from '../scripts/release-tags.mjs';

const root = mkdtempSync(join(tmpdir(), 'kav-release-tags-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'test',
      GIT_AUTHOR_EMAIL: 'test@example.com',
      GIT_COMMITTER_NAME: 'test',
      GIT_COMMITTER_EMAIL: 'test@example.com',
    },
  }).trim();

function commit(cwd: string, text: string): string {
  writeFileSync(join(cwd, 'file.txt'), text);
  git(cwd, 'add', 'file.txt');
  git(cwd, '-c', 'commit.gpgsign=false', 'commit', '-q', '-m', text);
  return git(cwd, 'rev-parse', 'HEAD');
}

const published = (version: string) => [
  { name: '@kling-avatar/core', version: '3.0.0' },
  { name: '@kling-avatar/github-action', version },
];

describe('releaseTags', () => {
  it('names vX.Y.Z and the major tag, only when the action was released', () => {
    expect(releaseTags(published('1.4.2'))).toEqual({ release: 'v1.4.2', major: 'v1' });
    expect(releaseTags(published('2.0.0-beta.1'))).toEqual({ release: 'v2.0.0-beta.1', major: undefined });
    expect(releaseTags([{ name: '@kling-avatar/core', version: '1.0.0' }])).toBeUndefined();
    expect(() => releaseTags(published('latest'))).toThrow(/not X\.Y\.Z/);
  });
});

describe('pushReleaseTags', () => {
  it('creates vX.Y.Z once, moves vX with every stable release, never moves a release tag', () => {
    const origin = join(root, 'origin.git');
    const work = join(root, 'work');
    git(root, 'init', '-q', '--bare', origin);
    git(root, 'clone', '-q', origin, work);
    const remoteTag = (tag: string) => git(origin, 'rev-parse', `${tag}^{commit}`);

    const first = commit(work, 'one');
    pushReleaseTags(releaseTags(published('1.0.0'))!, { cwd: work });
    expect(remoteTag('v1.0.0')).toBe(first);
    expect(remoteTag('v1')).toBe(first);

    const second = commit(work, 'two');
    pushReleaseTags(releaseTags(published('1.1.0'))!, { cwd: work });
    expect(remoteTag('v1.1.0')).toBe(second);
    expect(remoteTag('v1')).toBe(second);
    expect(remoteTag('v1.0.0')).toBe(first);

    // A prerelease does not move the major tag.
    const third = commit(work, 'three');
    pushReleaseTags(releaseTags(published('1.2.0-rc.1'))!, { cwd: work });
    expect(remoteTag('v1.2.0-rc.1')).toBe(third);
    expect(remoteTag('v1')).toBe(second);

    // Re-running for the same release on its commit is harmless; on another commit it refuses.
    expect(() => pushReleaseTags({ release: 'v1.2.0-rc.1' }, { cwd: work })).not.toThrow();
    commit(work, 'four');
    expect(() => pushReleaseTags({ release: 'v1.1.0', major: 'v1' }, { cwd: work })).toThrow(
      /v1\.1\.0 already exists .* never move/,
    );
    expect(remoteTag('v1')).toBe(second);
  });

  it('only prints the commands with dryRun', () => {
    const work = join(root, 'work');
    const before = git(work, 'tag', '--list');
    const commands = pushReleaseTags({ release: 'v9.9.9', major: 'v9' }, { cwd: work, dryRun: true });
    expect(commands).toEqual([
      expect.stringMatching(/^git tag -a v9\.9\.9 /),
      'git push origin refs/tags/v9.9.9',
      expect.stringMatching(/^git tag -f -a v9 /),
      'git push --force origin refs/tags/v9',
    ]);
    expect(git(work, 'tag', '--list')).toBe(before);
  });
});
