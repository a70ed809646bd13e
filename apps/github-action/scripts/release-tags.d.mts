/** Types for scripts/release-tags.mjs (used by test/release-tags.test.ts). */
export declare const ACTION_PACKAGE: string;
export interface ReleaseTags {
  /** `vX.Y.Z`: created once, never moved. */
  release: string;
  /** `vX`: moved to every stable release; undefined for prereleases. */
  major?: string;
}
export declare function releaseTags(
  published: { name: string; version: string }[],
  packageName?: string,
): ReleaseTags | undefined;
export declare function pushReleaseTags(
  tags: ReleaseTags,
  options?: { cwd?: string; remote?: string; dryRun?: boolean },
): string[];
