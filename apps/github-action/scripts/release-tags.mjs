#!/usr/bin/env node
// After `changeset publish` released a new version of this action, tag the release commit `vX.Y.Z` and
// move the major tag `vX` to it, so users pinning `@v1` get the release and `@v1.2.3` never changes.
// The release workflow runs it with the changesets action's `publishedPackages` output:
//
//   PUBLISHED_PACKAGES='[{"name":"@kling-avatar/github-action","version":"1.2.3"}]' \
//     node apps/github-action/scripts/release-tags.mjs [--remote origin] [--dry-run]
//
// Private packages are "published" by changesets as a git tag only, which is exactly when this runs.
// `vX.Y.Z` is created once and never moved (an existing one on another commit is an error); `vX` is
// force-moved. Prereleases (1.2.3-beta.1) get their own tag and leave `vX` alone.
import { execFileSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

export const ACTION_PACKAGE = '@kling-avatar/github-action';

/** The tags for the action's release in a changesets `publishedPackages` list, or undefined. */
export function releaseTags(published, packageName = ACTION_PACKAGE) {
  const entry = published.find((item) => item?.name === packageName);
  if (!entry) return undefined;
  const match = /^(\d+)\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.exec(String(entry.version));
  if (!match) throw new Error(`${packageName} was published with version "${entry.version}", not X.Y.Z`);
  const release = `v${entry.version}`;
  return { release, major: match[2] ? undefined : `v${match[1]}` };
}

function git(args, options) {
  return execFileSync('git', args, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    ...options,
  }).trim();
}

/** Create and push the tags for HEAD of `cwd`; returns the git commands it ran (or would run). */
export function pushReleaseTags(tags, { cwd = process.cwd(), remote = 'origin', dryRun = false } = {}) {
  const head = git(['rev-parse', 'HEAD'], { cwd });
  const commands = [];
  const run = (args) => {
    commands.push(`git ${args.join(' ')}`);
    if (!dryRun) git(args, { cwd });
  };
  let existing;
  try {
    existing = git(['rev-parse', `${tags.release}^{commit}`], { cwd });
  } catch {
    existing = undefined;
  }
  if (existing && existing !== head) {
    throw new Error(
      `${tags.release} already exists on ${existing}; release tags never move (HEAD is ${head})`,
    );
  }
  if (!existing) run(['tag', '-a', tags.release, '-m', tags.release, head]);
  run(['push', remote, `refs/tags/${tags.release}`]);
  if (tags.major) {
    run(['tag', '-f', '-a', tags.major, '-m', `${tags.major} → ${tags.release}`, head]);
    run(['push', '--force', remote, `refs/tags/${tags.major}`]);
  }
  return commands;
}

function main() {
  const { values } = parseArgs({
    options: {
      remote: { type: 'string', default: 'origin' },
      'dry-run': { type: 'boolean', default: false },
    },
  });
  let published;
  try {
    published = JSON.parse(process.env.PUBLISHED_PACKAGES ?? '[]');
  } catch {
    console.error('PUBLISHED_PACKAGES is not JSON: pass the changesets action output publishedPackages');
    process.exit(2);
  }
  const tags = releaseTags(published);
  if (!tags) {
    console.log(`${ACTION_PACKAGE} was not released in this run; no tags to move.`);
    return;
  }
  for (const command of pushReleaseTags(tags, { remote: values.remote, dryRun: values['dry-run'] }))
    console.log(command);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    main();
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  }
}
