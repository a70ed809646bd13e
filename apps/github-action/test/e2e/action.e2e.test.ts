/**
 * End to end: the committed dist/index.js, run as the runner runs it (child process, INPUT_* variables,
 * GITHUB_OUTPUT / GITHUB_STEP_SUMMARY files, an event payload), against the local Kling sandbox and a
 * local stand-in for the GitHub REST API. The tests share one workspace and run in order: the second
 * run relies on the first one's lock file and sticky comment.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Sandbox, startSandbox } from '@kling-avatar/sandbox';
import { png, wav } from '@kling-avatar/test-media';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GitHubApiStub, startGitHubApiStub } from '../helpers/github-api-stub.js';
import { type ActionRun, DIST_ENTRY, runAction } from '../helpers/run-action.js';

const REPOSITORY = 'acme/avatars';
const TOKEN = 'ghs_e2eTestToken0123456789';
const MARKER = '<!-- kling-avatar-action:kling-avatar -->';

let sandbox: Sandbox;
let github: GitHubApiStub;
let workspace: string;

function pullRequestPayload(number: number, headRepository: string) {
  return {
    action: 'synchronize',
    number,
    pull_request: {
      number,
      html_url: `https://github.com/${REPOSITORY}/pull/${number}`,
      head: { ref: 'feature', repo: { full_name: headRepository, fork: headRepository !== REPOSITORY } },
      base: { ref: 'main', repo: { full_name: REPOSITORY } },
    },
    repository: { full_name: REPOSITORY },
  };
}

function baseEnv() {
  return { GITHUB_API_URL: github.url, GITHUB_REPOSITORY: REPOSITORY, GITHUB_ACTOR: 'octocat' };
}

/** Inputs every rendering run shares: the manifest, the sandbox, fast polling. */
function renderInputs(extra: Record<string, string> = {}) {
  return {
    manifest: 'avatars.yml',
    'base-url': sandbox.url,
    'poll-interval': '200ms',
    ...extra,
  };
}

function requestsSince(count: number) {
  return github.requests.slice(count);
}

function describeRun(run: ActionRun): string {
  return `exit ${run.exitCode}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`;
}

beforeAll(async () => {
  expect(existsSync(DIST_ENTRY), 'dist/index.js is missing: run `pnpm bundle`').toBe(true);
  [sandbox, github] = await Promise.all([
    startSandbox({ port: 0, timings: { submittedMs: 100, processingMs: 300 } }),
    startGitHubApiStub(),
  ]);
  workspace = await mkdtemp(join(tmpdir(), 'kling-action-e2e-'));
  await mkdir(join(workspace, 'assets'));
  await Promise.all([
    writeFile(join(workspace, 'assets', 'presenter.png'), png(512, 512, [40, 90, 160])),
    writeFile(join(workspace, 'assets', 'welcome.wav'), wav(2.2, { frequency: 440 })),
    writeFile(join(workspace, 'assets', 'outro.wav'), wav(2.4, { frequency: 330 })),
    writeFile(
      join(workspace, 'avatars.yml'),
      [
        'version: 1',
        'defaults:',
        '  mode: std',
        '  prompt: Friendly presenter, looks into the camera',
        'jobs:',
        '  - name: welcome',
        '    image: assets/presenter.png',
        '    audio: assets/welcome.wav',
        '  - name: outro',
        '    image: assets/presenter.png',
        '    audio: assets/outro.wav',
        '    watermark: true',
        '',
      ].join('\n'),
    ),
  ]);
  // A busy pull request: 101 other comments, so ours lands on the second page of the list.
  for (let index = 0; index < 101; index++) {
    github.comments.push({ id: index + 1, body: `review comment ${index}`, issueNumber: 7 });
  }
});

afterAll(async () => {
  await Promise.all([sandbox?.stop(), github?.close()]);
  if (workspace) await rm(workspace, { recursive: true, force: true });
});

describe('dist/index.js on a pull request', () => {
  it('renders, sets string outputs, writes the summary table and creates one sticky comment', async () => {
    const run = await runAction({
      workspace,
      eventName: 'pull_request',
      payload: pullRequestPayload(7, REPOSITORY),
      inputs: renderInputs({ 'api-key': sandbox.credentials.apiKey }),
      env: baseEnv(),
      githubToken: TOKEN,
    });
    expect(run.exitCode, describeRun(run)).toBe(0);

    expect(run.outputs).toMatchObject({ rendered: '2', cached: '0', skipped: '0', failed: '0' });
    expect(Number(run.outputs.units)).toBeGreaterThan(0);
    expect(run.outputs['lock-file']).toBe('avatars.lock.json');
    expect(run.outputs['output-dir']).toBe('out');
    const videos = JSON.parse(run.outputs.videos!);
    expect(videos).toHaveLength(2);
    expect(videos[0]).toMatchObject({ name: 'welcome', status: 'rendered', file: 'out/welcome.mp4' });
    expect(videos[1].files).toEqual(['out/outro.mp4', 'out/outro.watermarked.mp4']);
    for (const video of videos) {
      expect(typeof video.taskId).toBe('string');
      expect((await stat(join(workspace, video.file))).size).toBeGreaterThan(1000);
    }
    expect(run.outputs.files!.split('\n')).toEqual([
      'out/welcome.mp4',
      'out/outro.mp4',
      'out/outro.watermarked.mp4',
    ]);
    expect(sandbox.stats().creates).toBe(2);

    // The job summary: a table with job, status, duration, units and output.
    expect(run.summary).toContain('Kling avatar videos');
    expect(run.summary).toMatch(
      /<th>Job<\/th><th>Status<\/th><th>Duration<\/th><th>Units<\/th><th>Output<\/th>/,
    );
    expect(run.summary).toMatch(/<td>welcome<\/td><td>✅ rendered<\/td><td>2\.\d s<\/td>/);
    expect(run.summary).toContain('<code>out/outro.watermarked.mp4</code>');

    // Secrets are masked before use.
    expect(run.stdout).toContain(`::add-mask::${sandbox.credentials.apiKey}`);
    expect(run.stdout).toContain(`::add-mask::${TOKEN}`);

    // The comment: listed (both pages), not found, created once.
    const posts = github.requests.filter((request) => request.method === 'POST');
    expect(posts).toHaveLength(1);
    expect(posts[0]!.path).toBe(`/repos/${REPOSITORY}/issues/7/comments`);
    expect(posts[0]!.headers['user-agent']).toMatch(/^kling-avatar-github-action /);
    expect(posts[0]!.headers.authorization).toBe(`token ${TOKEN}`);
    const ours = github.comments.filter((comment) => comment.body.includes(MARKER));
    expect(ours).toHaveLength(1);
    expect(ours[0]!.body).toContain('| welcome | ✅ rendered |');
    expect(run.outputs['comment-url']).toContain(`#issuecomment-${ours[0]!.id}`);
  });

  it('re-runs from the cache (JWT credentials, masked) and updates the same comment in place', async () => {
    const before = github.requests.length;
    const commentsBefore = github.comments.length;
    const run = await runAction({
      workspace,
      eventName: 'pull_request',
      payload: pullRequestPayload(7, REPOSITORY),
      inputs: renderInputs({
        'access-key': sandbox.credentials.accessKey,
        'secret-key': sandbox.credentials.secretKey,
      }),
      env: baseEnv(),
      githubToken: TOKEN,
    });
    expect(run.exitCode, describeRun(run)).toBe(0);
    expect(run.outputs).toMatchObject({ rendered: '0', cached: '2', skipped: '2', failed: '0', units: '0' });
    expect(sandbox.stats().creates).toBe(2);

    // The minted JWT is masked, as are both keys.
    expect(run.stdout).toMatch(/::add-mask::[\w-]+\.[\w-]+\.[\w-]+\n/);
    expect(run.stdout).toContain(`::add-mask::${sandbox.credentials.secretKey}`);

    const requests = requestsSince(before);
    const pages = requests.filter(
      (request) => request.method === 'GET' && request.path.endsWith('/issues/7/comments'),
    );
    expect(pages.length).toBe(2);
    expect(requests.filter((request) => request.method === 'POST')).toHaveLength(0);
    const patches = requests.filter((request) => request.method === 'PATCH');
    expect(patches).toHaveLength(1);
    expect(github.comments).toHaveLength(commentsBefore);
    const ours = github.comments.filter((comment) => comment.body.includes(MARKER));
    expect(ours).toHaveLength(1);
    expect(patches[0]!.path).toBe(`/repos/${REPOSITORY}/issues/comments/${ours[0]!.id}`);
    expect(ours[0]!.body).toContain('| welcome | ♻️ cached |');
    expect(run.summary).toContain('♻️ cached');
  });

  it('skips a fork pull request without secrets: a notice, exit 0, no API calls', async () => {
    const before = github.requests.length;
    const creates = sandbox.stats().createRequests;
    const run = await runAction({
      workspace,
      eventName: 'pull_request',
      payload: pullRequestPayload(8, 'someone/avatars'),
      inputs: { manifest: 'avatars.yml', 'base-url': sandbox.url },
      env: baseEnv(),
      githubToken: 'ghs_readOnlyForkToken',
    });
    expect(run.exitCode, describeRun(run)).toBe(0);
    expect(run.stdout).toMatch(
      /::notice title=Kling avatar render skipped::Skipping the render: pull request #8 comes from a fork \(someone\/avatars\)/,
    );
    expect(run.stdout).not.toContain('::error');
    expect(run.outputs).toMatchObject({ 'skipped-reason': 'no-secrets', rendered: '0', videos: '[]' });
    expect(run.summary).toContain('(skipped)');
    expect(requestsSince(before)).toHaveLength(0);
    expect(sandbox.stats().createRequests).toBe(creates);
  });
});

describe('dist/index.js elsewhere', () => {
  it('uploads the videos to the release on a release event, replacing same-name assets', async () => {
    github.assets.push({ id: 1, name: 'welcome.mp4', size: 3 });
    const run = await runAction({
      workspace,
      eventName: 'release',
      payload: {
        action: 'published',
        release: {
          id: 55,
          tag_name: 'v1.0.0',
          upload_url: `${github.url}/repos/${REPOSITORY}/releases/55/assets{?name,label}`,
        },
        repository: { full_name: REPOSITORY },
      },
      inputs: renderInputs({ 'api-key': sandbox.credentials.apiKey, 'release-upload': 'true' }),
      env: baseEnv(),
      githubToken: TOKEN,
    });
    expect(run.exitCode, describeRun(run)).toBe(0);
    expect(github.assets.map((asset) => asset.name).sort()).toEqual([
      'outro.mp4',
      'outro.watermarked.mp4',
      'welcome.mp4',
    ]);
    expect(github.assets.every((asset) => asset.id !== 1 && asset.contentType === 'video/mp4')).toBe(true);
    const welcome = github.assets.find((asset) => asset.name === 'welcome.mp4')!;
    expect(welcome.size).toBe((await stat(join(workspace, 'out', 'welcome.mp4'))).size);
    const videos = JSON.parse(run.outputs.videos!);
    expect(videos[0].url).toBe(`${github.url}/download/welcome.mp4`);
    expect(run.summary).toContain(`<a href="${github.url}/download/welcome.mp4">`);
  });

  it('plans glob jobs with mode/prompt inputs in a dry run (no credentials needed)', async () => {
    const run = await runAction({
      workspace,
      eventName: 'push',
      payload: { repository: { full_name: REPOSITORY } },
      inputs: { images: 'assets/*.png', audio: 'assets/welcome.wav', mode: 'pro', 'dry-run': 'true' },
      env: baseEnv(),
    });
    expect(run.exitCode, describeRun(run)).toBe(0);
    // One portrait speaks the one audio file: job "welcome", 2.2 s billed as 2 s at the pro rate of
    // 0.8 units/s (std would be 0.8 in total), so the mode input reached the engine.
    expect(run.outputs).toMatchObject({ rendered: '0', skipped: '1', 'skipped-reason': 'dry-run' });
    expect(run.outputs['estimated-units']).toBe('1.6');
    expect(run.summary).toContain('(dry run)');
    expect(run.summary).toContain('📝 planned');
  });

  it('stops waiting on SIGTERM (cancelled run), keeps the task in the lock file and still reports', async () => {
    // Processing outlasts the moment we signal; the task then finishes on its own before the sandbox
    // stops (stopping mid-task makes the sandbox reject a timer nobody awaits: reported upstream).
    const slow = await startSandbox({ port: 0, timings: { submittedMs: 100, processingMs: 2500 } });
    try {
      let signalled = false;
      const run = await runAction({
        workspace,
        eventName: 'push',
        payload: { repository: { full_name: REPOSITORY } },
        inputs: {
          images: 'assets/presenter.png',
          audio: 'assets/welcome.wav',
          'output-dir': 'slow-out',
          'lock-file': 'slow.lock.json',
          'base-url': slow.url,
          'api-key': slow.credentials.apiKey,
          'poll-interval': '200ms',
        },
        env: baseEnv(),
        onStdout: (stdout, child) => {
          if (!signalled && /welcome: task \d+/.test(stdout)) {
            signalled = true;
            child.kill('SIGTERM');
          }
        },
      });
      expect(signalled).toBe(true);
      expect(run.exitCode, describeRun(run)).toBe(1);
      expect(run.stdout).toContain('::warning::Cancelled: stopping the wait.');
      expect(run.outputs).toMatchObject({ rendered: '0', failed: '1' });
      expect(run.summary).toContain('❌ failed');
      const lock = JSON.parse(await readFile(join(workspace, 'slow.lock.json'), 'utf8'));
      expect(JSON.stringify(lock)).toMatch(/"status":\s*"pending"/);
      expect(slow.stats().creates).toBe(1);
    } finally {
      for (let waited = 0; slow.stats().running > 0 && waited < 20_000; waited += 100) await sleep(100);
      await slow.stop();
    }
  });

  it('fails with a message that names the input, without a stack trace', async () => {
    const run = await runAction({
      workspace,
      eventName: 'push',
      payload: { repository: { full_name: REPOSITORY } },
      inputs: renderInputs({ 'api-key': sandbox.credentials.apiKey, concurrency: 'lots' }),
      env: baseEnv(),
    });
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toContain('::error::Input "concurrency": "lots" must be a whole number from 1 to 50');
    expect(run.stdout).not.toMatch(/\n\s+at /);

    const missing = await runAction({
      workspace,
      eventName: 'push',
      payload: { repository: { full_name: REPOSITORY } },
      inputs: renderInputs(),
      env: baseEnv(),
    });
    expect(missing.exitCode).toBe(1);
    expect(missing.stdout).toContain('::error::Input "api-key": no Kling credentials');

    // A manifest broken as a whole: an annotation on the line, then the failure.
    await writeFile(join(workspace, 'broken.yml'), 'version: 1\njobs:\n  - name: a\n    image: [\n');
    const broken = await runAction({
      workspace,
      eventName: 'push',
      payload: { repository: { full_name: REPOSITORY } },
      inputs: renderInputs({ manifest: 'broken.yml', 'api-key': sandbox.credentials.apiKey }),
      env: baseEnv(),
    });
    expect(broken.exitCode).toBe(1);
    expect(broken.stdout).toMatch(/::error title=Kling avatar manifest,file=broken\.yml,line=\d+/);
    expect(broken.stdout).toMatch(/::error::broken\.yml: 1 problem in the manifest/);
    expect(broken.stdout).not.toContain('Unexpected error');
  });
});
