/**
 * `run()` with the toolkit, the engine and the GitHub client mocked: which toolkit calls each outcome
 * makes (outputs, summary, notices, failures). The real engine and the bundle are covered end to end
 * in test/e2e.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BatchReport, JobReport } from '@kling-avatar/cli';
import { afterAll, beforeAll, beforeEach, describe, expect, it, type Mock, vi } from 'vitest';

const inputs = new Map<string, string>();
const summaryCalls: string[] = [];
// A chainable stand-in for core.summary that records what was added.
const summary: Record<string, Mock> = {};
const chain = (describe: (...args: never[]) => string) =>
  vi.fn((...args: never[]) => {
    summaryCalls.push(describe(...args));
    return summary;
  });
Object.assign(summary, {
  addHeading: chain((text: string) => `heading:${text}`),
  addTable: chain((rows: unknown[]) => `table:${rows.length}`),
  addRaw: chain((text: string) => `raw:${text}`),
  addDetails: chain((label: string) => `details:${label}`),
  write: vi.fn(async () => summary),
});

vi.mock('@actions/core', () => ({
  getInput: vi.fn((name: string) => inputs.get(name) ?? ''),
  setSecret: vi.fn(),
  setOutput: vi.fn(),
  setFailed: vi.fn(),
  notice: vi.fn(),
  warning: vi.fn(),
  error: vi.fn(),
  info: vi.fn(),
  debug: vi.fn(),
  summary,
}));

vi.mock('@kling-avatar/cli', async (importOriginal) => ({
  ...(await importOriginal<typeof import('@kling-avatar/cli')>()),
  runBatch: vi.fn(),
}));

const upsert = vi.fn();
vi.mock('./github.js', async (importOriginal) => ({
  ...(await importOriginal<typeof import('./github.js')>()),
  createGitHubClient: vi.fn(() => ({ fake: 'octokit' })),
  upsertStickyComment: (...args: unknown[]) => upsert(...args),
}));

const core = await import('@actions/core');
const { runBatch } = await import('@kling-avatar/cli');
const { run } = await import('./main.js');

let workspace: string;
let eventFile: string;

function env(eventName = 'pull_request', payload: unknown = pullRequest('acme/avatars')) {
  return writeFile(eventFile, JSON.stringify(payload)).then(() => ({
    GITHUB_WORKSPACE: workspace,
    GITHUB_EVENT_NAME: eventName,
    GITHUB_EVENT_PATH: eventFile,
    GITHUB_STEP_SUMMARY: join(workspace, 'summary.md'),
    GITHUB_REPOSITORY: 'acme/avatars',
    GITHUB_API_URL: 'http://127.0.0.1:9/api',
  }));
}

function pullRequest(head: string) {
  return {
    pull_request: {
      number: 7,
      head: { repo: { full_name: head, fork: head !== 'acme/avatars' } },
      base: { repo: { full_name: 'acme/avatars' } },
    },
  };
}

function job(name: string, status: JobReport['status'], extra: Partial<JobReport> = {}): JobReport {
  const hasVideo = status === 'rendered' || status === 'cached';
  return {
    name,
    status,
    outputs: hasVideo ? [join(workspace, 'out', `${name}.mp4`)] : [],
    durationSeconds: 4.2,
    ...extra,
  };
}

function report(jobs: JobReport[], extra: Partial<BatchReport> = {}): BatchReport {
  const count = (status: JobReport['status']) => jobs.filter((entry) => entry.status === status).length;
  return {
    ok: jobs.every((entry) => ['rendered', 'cached', 'planned'].includes(entry.status)),
    dryRun: false,
    jobs,
    totals: {
      jobs: jobs.length,
      rendered: count('rendered'),
      cached: count('cached'),
      failed: count('failed'),
      invalid: count('invalid'),
      skippedBudget: count('skipped-budget'),
      planned: count('planned'),
      units: jobs.reduce((sum, entry) => sum + (entry.status === 'rendered' ? (entry.units ?? 0) : 0), 0),
      estimatedUnits: 3.2,
      durationSeconds: 8.4,
      creates: count('rendered'),
    },
    outDir: join(workspace, 'out'),
    lockPath: join(workspace, 'avatars.lock.json'),
    target: 'https://api-singapore.klingai.com',
    elapsedMs: 1234,
    warnings: [],
    ...extra,
  };
}

function outputs(): Record<string, unknown> {
  return Object.fromEntries(vi.mocked(core.setOutput).mock.calls);
}

beforeAll(async () => {
  workspace = await mkdtemp(join(tmpdir(), 'kling-action-main-'));
  eventFile = join(workspace, 'event.json');
  await writeFile(join(workspace, 'avatars.yml'), 'jobs: []\n');
});
afterAll(() => rm(workspace, { recursive: true, force: true }));

beforeEach(() => {
  vi.clearAllMocks();
  summaryCalls.length = 0;
  inputs.clear();
  inputs.set('api-key', 'sk-test-key');
  inputs.set('github-token', 'ghs_token');
  upsert.mockResolvedValue({ action: 'created', id: 1, url: 'https://github.com/c/1' });
});

describe('run()', () => {
  it('renders, sets string outputs, writes the summary and comments on the pull request', async () => {
    vi.mocked(runBatch).mockResolvedValue(
      report([job('welcome', 'rendered', { units: 1.6, taskId: 't1' }), job('intro', 'cached')]),
    );
    await run(await env());

    expect(core.setFailed).not.toHaveBeenCalled();
    expect(core.setSecret).toHaveBeenCalledWith('ghs_token');
    expect(core.setSecret).toHaveBeenCalledWith('sk-test-key');
    const values = outputs();
    for (const value of Object.values(values)) expect(typeof value).toBe('string');
    expect(values).toMatchObject({
      rendered: '1',
      cached: '1',
      skipped: '1',
      failed: '0',
      units: '1.6',
      files: 'out/welcome.mp4\nout/intro.mp4',
      'lock-file': 'avatars.lock.json',
      'comment-url': 'https://github.com/c/1',
    });
    expect(JSON.parse(values.videos as string)).toEqual([
      {
        name: 'welcome',
        status: 'rendered',
        file: 'out/welcome.mp4',
        files: ['out/welcome.mp4'],
        units: 1.6,
        taskId: 't1',
        durationSeconds: 4.2,
      },
      {
        name: 'intro',
        status: 'cached',
        file: 'out/intro.mp4',
        files: ['out/intro.mp4'],
        units: 0,
        durationSeconds: 4.2,
      },
    ]);
    expect(summaryCalls[0]).toBe('heading:🎬 Kling avatar videos');
    expect(summaryCalls).toContain('table:3');
    expect(summary.write).toHaveBeenCalledTimes(1);

    expect(upsert).toHaveBeenCalledTimes(1);
    const [, options] = upsert.mock.calls[0]!;
    expect(options).toMatchObject({ owner: 'acme', repo: 'avatars', issueNumber: 7 });
    expect(options.marker).toBe('<!-- kling-avatar-action:kling-avatar -->');
    expect(options.body).toContain('| welcome | ✅ rendered | 4.2 s | 1.6 | `out/welcome.mp4` |');
    // The engine got the explicit paths, target and a credential provider (never a plain key).
    const batchOptions = vi.mocked(runBatch).mock.calls[0]![0];
    expect(batchOptions).toMatchObject({
      manifestPath: 'avatars.yml',
      cwd: workspace,
      outDir: join(workspace, 'out'),
      lockPath: join(workspace, 'avatars.lock.json'),
      target: 'https://api-singapore.klingai.com',
      concurrency: 5,
    });
    expect(batchOptions.clientOptions?.auth).toBeDefined();
    expect(batchOptions.clientOptions?.apiKey).toBeUndefined();
  });

  it('skips a fork pull request without credentials with a notice, not a failure', async () => {
    inputs.delete('api-key');
    await run(await env('pull_request', pullRequest('someone/avatars')));
    expect(runBatch).not.toHaveBeenCalled();
    expect(core.setFailed).not.toHaveBeenCalled();
    expect(core.notice).toHaveBeenCalledWith(expect.stringContaining('comes from a fork (someone/avatars)'), {
      title: 'Kling avatar render skipped',
    });
    expect(outputs()).toMatchObject({ 'skipped-reason': 'no-secrets', rendered: '0', videos: '[]' });
    expect(summaryCalls[0]).toBe('heading:🎬 Kling avatar videos (skipped)');
    expect(upsert).not.toHaveBeenCalled();
  });

  it('fails naming api-key when a trusted run has no credentials', async () => {
    inputs.delete('api-key');
    await run(await env('push', {}));
    expect(core.setFailed).toHaveBeenCalledWith(
      expect.stringMatching(/^Input "api-key": no Kling credentials/),
    );
    expect(core.info).not.toHaveBeenCalledWith(expect.stringContaining('    at '));
  });

  it('lets a dry run go without credentials', async () => {
    inputs.delete('api-key');
    inputs.set('dry-run', 'true');
    vi.mocked(runBatch).mockResolvedValue(report([job('welcome', 'planned')], { dryRun: true }));
    await run(await env('push', {}));
    expect(core.setFailed).not.toHaveBeenCalled();
    const batchOptions = vi.mocked(runBatch).mock.calls[0]![0];
    expect(batchOptions.dryRun).toBe(true);
    expect(batchOptions.clientOptions).toBeUndefined();
    expect(outputs()).toMatchObject({ 'skipped-reason': 'dry-run', skipped: '1' });
  });

  it('fails the step listing the jobs without a video, after writing outputs and summary', async () => {
    vi.mocked(runBatch).mockResolvedValue(
      report([
        job('welcome', 'rendered', { units: 1.6 }),
        job('intro', 'failed', { error: 'Kling refused the image (1201)', taskId: 't9' }),
        job('outro', 'invalid', {
          error: 'image too small',
          problems: [
            {
              path: 'image',
              code: 'image_too_small',
              message: 'image too small',
              file: 'avatars.yml',
              line: 6,
            },
          ],
        }),
      ]),
    );
    await run(await env());
    expect(core.setFailed).toHaveBeenCalledWith(
      expect.stringMatching(
        /^2 of 3 job\(s\) did not produce a video: intro \(failed: Kling refused.*\); outro \(invalid/,
      ),
    );
    expect(core.error).toHaveBeenCalledWith('outro: image: image too small', {
      title: 'Kling avatar job invalid',
      file: 'avatars.yml',
      startLine: 6,
      startColumn: undefined,
    });
    expect(outputs()).toMatchObject({ failed: '2', rendered: '1' });
    expect(summaryCalls).toContain('details:Problems (2)');
  });

  it('keeps the step green with fail-on-error: false', async () => {
    inputs.set('fail-on-error', 'false');
    vi.mocked(runBatch).mockResolvedValue(report([job('intro', 'failed', { error: 'boom' })]));
    await run(await env());
    expect(core.setFailed).not.toHaveBeenCalled();
    expect(outputs()).toMatchObject({ failed: '1' });
  });

  it('turns a comment permission error into a warning with the permission to grant', async () => {
    vi.mocked(runBatch).mockResolvedValue(report([job('welcome', 'cached')]));
    upsert.mockRejectedValue(
      Object.assign(new Error('Resource not accessible by integration'), { status: 403 }),
    );
    await run(await env());
    expect(core.setFailed).not.toHaveBeenCalled();
    expect(core.warning).toHaveBeenCalledWith(expect.stringContaining('permissions: pull-requests: write'));
  });

  it('does not comment with pr-comment: off or on a fork pull request', async () => {
    vi.mocked(runBatch).mockResolvedValue(report([job('welcome', 'cached')]));
    inputs.set('pr-comment', 'off');
    await run(await env());
    expect(upsert).not.toHaveBeenCalled();

    inputs.set('pr-comment', 'on');
    await run(await env('pull_request', pullRequest('someone/avatars')));
    expect(upsert).not.toHaveBeenCalled();
    expect(core.notice).toHaveBeenCalledWith(expect.stringContaining('read-only'));
  });

  it('explains release-upload outside a release event instead of failing', async () => {
    inputs.set('release-upload', 'true');
    vi.mocked(runBatch).mockResolvedValue(report([job('welcome', 'cached')]));
    await run(await env('push', {}));
    expect(core.setFailed).not.toHaveBeenCalled();
    expect(core.notice).toHaveBeenCalledWith(
      expect.stringContaining('triggered by "push", not a release event'),
    );
  });

  it('skips the job summary where the runner has none (old GHES), without failing', async () => {
    vi.mocked(runBatch).mockResolvedValue(report([job('welcome', 'cached')]));
    const { GITHUB_STEP_SUMMARY: _, ...withoutSummary } = await env('push', {});
    await run(withoutSummary);
    expect(summary.write).not.toHaveBeenCalled();
    expect(core.setFailed).not.toHaveBeenCalled();
    expect(core.info).toHaveBeenCalledWith('No GITHUB_STEP_SUMMARY on this runner: job summary skipped.');
  });

  it('reports unexpected errors as such, with the stack in the log', async () => {
    vi.mocked(runBatch).mockRejectedValue(new TypeError('cannot read properties of undefined'));
    await run(await env());
    expect(core.setFailed).toHaveBeenCalledWith('Unexpected error: cannot read properties of undefined');
    expect(core.info).toHaveBeenCalledWith(expect.stringContaining('TypeError: cannot read properties'));
  });

  it('masks the JWT minted from an access key pair', async () => {
    inputs.delete('api-key');
    inputs.set('access-key', 'ak-abcdefgh');
    inputs.set('secret-key', 'sk-abcdefgh');
    vi.mocked(runBatch).mockResolvedValue(report([job('welcome', 'cached')]));
    await run(await env('push', {}));
    const masked = vi.mocked(core.setSecret).mock.calls.map(([secret]) => secret);
    expect(masked).toEqual(expect.arrayContaining(['ak-abcdefgh', 'sk-abcdefgh']));
    expect(masked.some((secret) => /^[\w-]+\.[\w-]+\.[\w-]+$/.test(secret))).toBe(true);
  });
});
