/**
 * The action: inputs → masked credentials → the CLI's batch engine → release assets, step outputs,
 * job summary, sticky PR comment. `run()` never throws; every failure ends in `core.setFailed` with a
 * message that says what to fix.
 */
import { resolve } from 'node:path';
import * as core from '@actions/core';
import {
  type BatchEvent,
  type BatchReport,
  formatPlanTable,
  formatResultTable,
  type JobReport,
  ManifestError,
  runBatch,
} from '@kling-avatar/cli';
import { prepareBatch } from './batch.js';
import { commentMarker, renderComment } from './comment.js';
import { type EventContext, readEventContext, secretlessReason } from './context.js';
import { createMaskedAuth } from './credentials.js';
import { ActionInputError, errorMessage, isUserError } from './errors.js';
import type { GitHubClient } from './github.js';
import { type ActionSettings, readSettings } from './inputs.js';
import {
  countJobs,
  formatNumber,
  formatSeconds,
  hasVideo,
  jobRows,
  videoEntries,
  workspacePath,
} from './report.js';
import { addReportToSummary, addSkipToSummary, shorten } from './summary.js';

export async function run(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  try {
    await main(env);
  } catch (error) {
    if (isUserError(error)) {
      core.setFailed(errorMessage(error));
    } else {
      // A bug, not a setting: keep the stack for the bug report.
      core.setFailed(`Unexpected error: ${errorMessage(error)}`);
      if (error instanceof Error && error.stack) core.info(error.stack);
    }
  }
}

async function main(env: NodeJS.ProcessEnv): Promise<void> {
  const settings = readSettings(undefined, env);
  // Mask first: nothing below may print a token before GitHub knows to hide it.
  if (settings.githubToken) core.setSecret(settings.githubToken);
  const auth = settings.credentials
    ? createMaskedAuth(settings.credentials, (secret) => core.setSecret(secret))
    : undefined;
  const context = readEventContext(env);
  const workspace = resolve(env.GITHUB_WORKSPACE || process.cwd());

  if (!auth && !settings.dryRun) {
    const reason = secretlessReason(context);
    if (reason) {
      await skipWithoutSecrets(reason, env);
      return;
    }
    throw new ActionInputError(
      'api-key',
      `no Kling credentials: set api-key: \${{ secrets.KLING_API_KEY }} (or access-key + secret-key). To only validate the manifest and see the cost estimate, set dry-run: true.`,
    );
  }

  const controller = new AbortController();
  const cancel = () => {
    core.warning(
      'Cancelled: stopping the wait. Tasks already created keep running; the next run resumes them.',
    );
    controller.abort();
  };
  const prepared = await prepareBatch(settings, {
    auth,
    signal: controller.signal,
    onEvent: createEventLogger(workspace),
    env,
  });
  // The runner sends SIGINT, then SIGTERM, when the run is cancelled or times out: stop waiting,
  // keep the lock file (created tasks are resumed next time), still write outputs and summary.
  process.once('SIGINT', cancel);
  process.once('SIGTERM', cancel);
  let report: BatchReport;
  try {
    report = prepared.relabel(await runBatch(prepared.options));
  } catch (error) {
    if (error instanceof ManifestError) annotateManifestError(error, settings, workspace);
    throw error;
  } finally {
    process.off('SIGINT', cancel);
    process.off('SIGTERM', cancel);
    await prepared.cleanup();
  }

  core.info('');
  core.info(
    report.dryRun
      ? formatPlanTable(report.jobs, {
          estimatedUnits: report.totals.estimatedUnits,
          maxUnits: report.maxUnits,
        })
      : formatResultTable(report),
  );
  annotateProblems(report, settings, workspace);

  const stepFailures: string[] = [];
  const notes: string[] = [];
  let client: Promise<GitHub> | undefined;
  const github = () => {
    client ??= import('./github.js').then((api) => ({
      api,
      octokit: api.createGitHubClient(settings.githubToken!, context.apiUrl),
    }));
    return client;
  };

  // Release assets first: their links go into the outputs, the summary and the comment.
  let links = new Map<string, string>();
  if (settings.releaseUpload) {
    const uploaded = await uploadToRelease(report, settings, context, workspace, github).catch((error) => {
      stepFailures.push(`Release upload failed: ${githubErrorMessage(error, 'contents: write')}`);
      return undefined;
    });
    if (uploaded) {
      links = uploaded;
      if (uploaded.size > 0)
        notes.push(`Uploaded ${uploaded.size} video(s) to release ${context.release?.tagName ?? ''}.`);
    }
  }

  setOutputs(report, settings, workspace, links);
  const rows = jobRows(report, workspace, links);
  await writeSummary(
    addReportToSummary(core.summary, { report, rows, target: settings.baseURL, notes }),
    env,
  );

  if (settings.prComment) {
    await commentOnPullRequest(report, settings, context, rows, env, github).catch((error) => {
      core.warning(
        `Could not update the pull request comment: ${githubErrorMessage(error, 'pull-requests: write')}`,
      );
    });
  }

  if (!report.ok && settings.failOnError) stepFailures.unshift(failureMessage(report));
  if (stepFailures.length > 0) core.setFailed(stepFailures.join('\n'));
}

/**
 * Octokit (with its endpoint table) is loaded only when a comment or an upload is due: most runs on
 * push never need it, and not compiling it keeps the cold start down.
 */
interface GitHub {
  api: typeof import('./github.js');
  octokit: GitHubClient;
}

/** Job summaries need GITHUB_STEP_SUMMARY (missing on old GHES and local runners): never fail for it. */
async function writeSummary(summary: typeof core.summary, env: NodeJS.ProcessEnv): Promise<void> {
  if (!env.GITHUB_STEP_SUMMARY) {
    core.info('No GITHUB_STEP_SUMMARY on this runner: job summary skipped.');
    return;
  }
  await summary
    .write()
    .catch((error) => core.warning(`Could not write the job summary: ${errorMessage(error)}`));
}

async function skipWithoutSecrets(reason: string, env: NodeJS.ProcessEnv): Promise<void> {
  const message = `Skipping the render: ${reason}, so this run gets no repository secrets (no Kling credentials). The videos render once the change is merged, or when a maintainer re-runs it from a branch of this repository.`;
  core.notice(message, { title: 'Kling avatar render skipped' });
  for (const [name, value] of Object.entries(emptyOutputs())) core.setOutput(name, value);
  core.setOutput('skipped-reason', 'no-secrets');
  await writeSummary(addSkipToSummary(core.summary, message), env);
}

function emptyOutputs(): Record<string, string> {
  return {
    videos: '[]',
    files: '',
    rendered: '0',
    cached: '0',
    skipped: '0',
    failed: '0',
    units: '0',
    'estimated-units': '0',
  };
}

function setOutputs(
  report: BatchReport,
  settings: ActionSettings,
  workspace: string,
  links: ReadonlyMap<string, string>,
): void {
  const counts = countJobs(report);
  const videos = videoEntries(report, workspace, links);
  const outputs: Record<string, string> = {
    videos: JSON.stringify(videos),
    files: videos.flatMap((video) => video.files).join('\n'),
    rendered: String(counts.rendered),
    cached: String(counts.cached),
    skipped: String(counts.skipped),
    failed: String(counts.failed),
    units: formatNumber(counts.units),
    'estimated-units': formatNumber(counts.estimatedUnits),
    'output-dir': workspacePath(workspace, report.outDir),
    'lock-file': workspacePath(workspace, report.lockPath),
    'skipped-reason': '',
  };
  if (settings.dryRun) outputs['skipped-reason'] = 'dry-run';
  for (const [name, value] of Object.entries(outputs)) core.setOutput(name, value);
}

async function uploadToRelease(
  report: BatchReport,
  settings: ActionSettings,
  context: EventContext,
  workspace: string,
  github: () => Promise<GitHub>,
): Promise<Map<string, string> | undefined> {
  if (settings.dryRun) {
    core.notice('release-upload is on, but this is a dry run: nothing was rendered, nothing uploaded.');
    return undefined;
  }
  if (!context.release || !context.repository) {
    core.notice(
      `release-upload is on, but this run was triggered by "${context.eventName || 'unknown'}", not a release event: nothing uploaded.`,
    );
    return undefined;
  }
  if (!settings.githubToken) throw new ActionInputError('github-token', 'is empty; release-upload needs it.');
  const files = report.jobs
    .filter(hasVideo)
    .flatMap((job) =>
      job.outputs.map((path) => ({ absolute: path, relative: workspacePath(workspace, path) })),
    );
  const { api, octokit } = await github();
  const links = await api.uploadReleaseAssets(octokit, {
    ...context.repository,
    release: context.release,
    files: api.assetNames(files),
  });
  core.info(`Uploaded ${links.size} file(s) to release ${context.release.tagName ?? context.release.id}.`);
  return links;
}

async function commentOnPullRequest(
  report: BatchReport,
  settings: ActionSettings,
  context: EventContext,
  rows: ReturnType<typeof jobRows>,
  env: NodeJS.ProcessEnv,
  github: () => Promise<GitHub>,
): Promise<void> {
  const pullRequest = context.pullRequest;
  if (!pullRequest || !context.repository) return;
  if (pullRequest.fromFork && context.eventName !== 'pull_request_target') {
    core.notice(
      'Not commenting: the token of a fork pull request run is read-only. See the job summary instead.',
    );
    return;
  }
  if (!settings.githubToken) {
    core.notice('Not commenting: github-token is empty.');
    return;
  }
  const body = renderComment({
    report,
    rows,
    target: settings.baseURL,
    context,
    commentId: settings.commentId,
    sha: env.GITHUB_SHA,
  });
  const { api, octokit } = await github();
  const result = await api.upsertStickyComment(octokit, {
    ...context.repository,
    issueNumber: pullRequest.number,
    marker: commentMarker(settings.commentId),
    body,
  });
  core.setOutput('comment-url', result.url ?? '');
  core.info(`Pull request comment ${result.action}${result.url ? `: ${result.url}` : ''}`);
}

/** Progress lines for the log: the plan, each task id once, and each finished job. */
export function createEventLogger(workspace: string, log: (line: string) => void = core.info) {
  const announced = new Set<string>();
  return (event: BatchEvent): void => {
    switch (event.type) {
      case 'plan': {
        const toRender = event.jobs.filter((job) => job.status === 'planned').length;
        const cached = event.jobs.filter((job) => job.status === 'cached').length;
        const budget = event.maxUnits === undefined ? '' : ` (max-units ${event.maxUnits})`;
        const dryRun = event.dryRun ? ' (dry run: nothing is sent)' : '';
        log(
          `Plan: ${event.jobs.length} job(s), ${toRender} to render, ${cached} cached; estimate ${formatNumber(event.estimatedUnits)} units${budget}${dryRun}.`,
        );
        break;
      }
      case 'job-phase': {
        if (!event.taskId || announced.has(`${event.job}:${event.taskId}`)) break;
        announced.add(`${event.job}:${event.taskId}`);
        const resumed =
          event.phase === 'resumed' ? ' (resumed: created by an earlier run, no new charge)' : '';
        log(`${event.job}: task ${event.taskId}${resumed}`);
        break;
      }
      case 'job-done':
        log(describeDoneJob(event.job, workspace));
        break;
      default:
        break;
    }
  };
}

function describeDoneJob(job: JobReport, workspace: string): string {
  if (hasVideo(job)) {
    const files = job.outputs.map((path) => workspacePath(workspace, path)).join(', ');
    return `${job.name}: ${job.status} (${formatSeconds(job.durationSeconds)}, ${formatNumber(job.units)} units) → ${files}`;
  }
  return `${job.name}: ${job.status}${job.error ? `: ${job.error}` : ''}`;
}

/** A manifest path as annotations want it (relative to the workspace), or undefined when outside it. */
function annotationFile(file: string | undefined, settings: ActionSettings, workspace: string) {
  if (!file) return undefined;
  const path = workspacePath(workspace, resolve(settings.workingDirectory, file));
  return path.startsWith('/') || /^[A-Za-z]:/.test(path) ? undefined : path;
}

/** A manifest unusable as a whole: one annotation per problem, on its line. */
function annotateManifestError(error: ManifestError, settings: ActionSettings, workspace: string): void {
  for (const issue of error.issues) {
    const file = annotationFile(issue.file, settings, workspace);
    core.error(`${issue.path ? `${issue.path}: ` : ''}${issue.message}`, {
      title: 'Kling avatar manifest',
      ...(file ? { file, startLine: issue.line, startColumn: issue.column } : {}),
    });
  }
}

/** Error annotations on the manifest lines of invalid jobs, and on the job entry of failed ones. */
function annotateProblems(report: BatchReport, settings: ActionSettings, workspace: string): void {
  const fileInWorkspace = (file: string | undefined) => annotationFile(file, settings, workspace);
  for (const job of report.jobs) {
    if (job.status === 'invalid') {
      for (const problem of job.problems ?? []) {
        const file = fileInWorkspace(problem.file);
        const prefix =
          problem.path && !problem.message.startsWith(`${problem.path}:`) ? `${problem.path}: ` : '';
        core.error(`${job.name}: ${prefix}${problem.message}`, {
          title: 'Kling avatar job invalid',
          ...(file ? { file, startLine: problem.line, startColumn: problem.column } : {}),
        });
      }
    } else if (job.status === 'failed') {
      const file = fileInWorkspace(job.source?.file);
      core.error(`${job.name}: ${job.error ?? 'failed'}`, {
        title: 'Kling avatar render failed',
        ...(file ? { file, startLine: job.source?.line } : {}),
      });
    } else if (job.status === 'skipped-budget') {
      core.warning(`${job.name}: ${job.error ?? 'over budget'}`, { title: 'Kling avatar job skipped' });
    }
  }
  for (const warning of report.warnings) core.warning(warning);
}

function failureMessage(report: BatchReport): string {
  const bad = report.jobs.filter((job) => !hasVideo(job) && job.status !== 'planned');
  const list = bad.map(
    (job) => `${job.name} (${job.status}${job.error ? `: ${shorten(job.error, 200)}` : ''})`,
  );
  return `${bad.length} of ${report.jobs.length} job(s) did not produce a video: ${list.join('; ')}. Set fail-on-error: false to keep the step green.`;
}

/** Octokit errors → one line, with the permission to grant when GitHub said 403/404. */
function githubErrorMessage(error: unknown, permission: string): string {
  const status = (error as { status?: number }).status;
  const message = errorMessage(error);
  if (status === 403 || status === 404) {
    return `${message} (HTTP ${status}). Grant the workflow job \`permissions: ${permission}\`, or check github-token.`;
  }
  return status ? `${message} (HTTP ${status})` : message;
}
