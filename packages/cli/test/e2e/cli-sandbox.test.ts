/**
 * The built command against a sandbox: create/get/list/wait/tts with both credential kinds, readable
 * errors from Kling codes, `render` (embedded sandbox, and resuming a killed run) and `sandbox`.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBatch } from '../../src/index.js';
import { binPath, cleanEnv, runCli, STACK_FRAME } from '../helpers/run-cli.js';
import { clientFor, FAST_POLLING, isMp4, startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { createWorkspace, type Workspace } from '../helpers/workspace.js';

let sandbox: TestSandbox;
let workspace: Workspace;
let env: Record<string, string>;

beforeAll(async () => {
  sandbox = await startTestSandbox();
  workspace = await createWorkspace('kav-cli-sandbox-');
  await workspace.png('portrait.png');
  await workspace.wav('speech.wav', 2.2);
  env = cleanEnv({ KLING_BASE_URL: sandbox.url, KLING_API_KEY: sandbox.credentials.apiKey });
});
afterAll(async () => {
  await sandbox.stop();
  await workspace.remove();
});

interface TaskJson {
  task: { task_id: string; task_status: string; task_info?: { external_task_id?: string } };
  download?: { path: string; bytes: number };
}

describe('task commands', () => {
  it('create --wait --download saves a real MP4 and get/list find the task', async () => {
    const create = await runCli(
      [
        'create',
        '--image',
        'portrait.png',
        '--audio',
        'speech.wav',
        '--prompt',
        'Smile',
        '--external-task-id',
        'cli-e2e-1',
        '--download',
        'out/first.mp4',
        '--poll-interval',
        '100ms',
        '--json',
      ],
      { cwd: workspace.dir, env },
    );
    expect(create.code, create.stderr).toBe(0);
    const created = create.json<TaskJson>();
    expect(created.task.task_status).toBe('succeed');
    expect(created.download?.path).toBe(workspace.path('out/first.mp4'));
    expect(isMp4(await readFile(workspace.path('out/first.mp4')))).toBe(true);

    const byExternalId = await runCli(['get', 'cli-e2e-1', '--json'], { env });
    expect(byExternalId.json<TaskJson>().task.task_id).toBe(created.task.task_id);
    const text = await runCli(['get', created.task.task_id], { env });
    expect(text.stdout).toMatch(/status +succeed/);
    expect(text.stdout).toMatch(/units +0\.8/);

    const page = await runCli(['list', '--page-size', '1', '--json'], { env });
    expect(page.json<{ tasks: unknown[]; pageSize: number }>()).toMatchObject({
      pageSize: 1,
      tasks: [expect.anything()],
    });
    const all = await runCli(['list', '--all', '--page-size', '1'], { env });
    expect(all.code).toBe(0);
    expect(all.stdout).toContain(created.task.task_id);
    expect(all.stdout).toMatch(/TASK ID\s+STATUS\s+EXTERNAL ID/);
  });

  it('wait shows plain progress lines off a terminal and downloads the watermarked copy', async () => {
    const create = await runCli(
      ['create', '--image', 'portrait.png', '--audio', 'speech.wav', '--watermark', '--json'],
      {
        cwd: workspace.dir,
        env,
      },
    );
    const { task } = create.json<TaskJson>();
    expect(task.task_status).toBe('submitted');
    const wait = await runCli(
      ['wait', task.task_id, '--download', 'out/wm.mp4', '--watermarked', '--poll-interval', '100ms'],
      { cwd: workspace.dir, env },
    );
    expect(wait.code, wait.stderr).toBe(0);
    expect(wait.stderr).toMatch(new RegExp(`task ${task.task_id} (processing|succeed)`));
    expect(wait.stderr).not.toContain('\u001b[');
    expect(wait.stdout).toMatch(/Saved .*out\/wm\.mp4/);
    expect(isMp4(await readFile(workspace.path('out/wm.mp4')))).toBe(true);
  });

  it('tts makes an audio_id that create accepts, with JWT credentials', async () => {
    const jwtEnv = cleanEnv({
      KLING_BASE_URL: sandbox.url,
      KLING_ACCESS_KEY: sandbox.credentials.accessKey,
      KLING_SECRET_KEY: sandbox.credentials.secretKey,
    });
    const tts = await runCli(
      [
        'tts',
        '--text',
        'Hello and welcome to this short demo video.',
        '--voice-id',
        'oversea_male1',
        '--language',
        'en',
        '--json',
      ],
      { env: jwtEnv },
    );
    expect(tts.code, tts.stderr).toBe(0);
    const audioId = tts.json<{ tts: { task_result: { audios: { id: string }[] } } }>().tts.task_result
      .audios[0]!.id;
    const create = await runCli(
      ['create', '--image', 'portrait.png', '--audio-id', audioId, '--wait', '--poll-interval', '100ms'],
      {
        cwd: workspace.dir,
        env: jwtEnv,
      },
    );
    expect(create.code, create.stderr).toBe(0);
    expect(create.stdout).toMatch(/status +succeed/);
  });

  it('turns Kling errors into one paragraph with code, request id and hint', async () => {
    const missing = await runCli(['get', 'no-such-task'], { env });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/Kling code 1203/);
    expect(missing.stderr).toMatch(/request id [0-9a-f-]{36}/);
    expect(missing.stderr).not.toMatch(STACK_FRAME);

    const json = await runCli(['get', 'no-such-task', '--json'], { env });
    expect(json.json()).toMatchObject({
      ok: false,
      error: { kind: 'kling', code: 1203, category: 'request' },
    });

    const badKey = await runCli(['list'], { env: { ...env, KLING_API_KEY: 'wrong-key' } });
    expect(badKey.code).toBe(1);
    expect(badKey.stderr).toMatch(/code 1000/);
    expect(badKey.stderr).toMatch(/Check the API key/);

    sandbox.setFaults({ error: 1102 });
    try {
      const broke = await runCli(['create', '--image', 'portrait.png', '--audio', 'speech.wav'], {
        cwd: workspace.dir,
        env,
      });
      expect(broke.code).toBe(1);
      expect(broke.stderr).toMatch(/code 1102/);
      expect(broke.stderr).toMatch(/Out of credits/);
      expect(broke.stderr).not.toMatch(STACK_FRAME);
    } finally {
      sandbox.setFaults({});
    }

    sandbox.setFaults({ failTask: 'content risk control' });
    let failedId: string;
    try {
      const create = await runCli(['create', '--image', 'portrait.png', '--audio', 'speech.wav', '--json'], {
        cwd: workspace.dir,
        env,
      });
      failedId = create.json<TaskJson>().task.task_id;
    } finally {
      sandbox.setFaults({});
    }
    const failed = await runCli(['wait', failedId, '--poll-interval', '100ms'], { env });
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(new RegExp(`task ${failedId} failed: content risk control`));
    expect(failed.stderr).toMatch(/content-safety/);

    const timeout = await runCli(
      ['create', '--image', 'portrait.png', '--audio', 'speech.wav', '--wait', '--timeout', '50ms'],
      {
        cwd: workspace.dir,
        env,
      },
    );
    expect(timeout.code).toBe(1);
    expect(timeout.stderr).toMatch(/still (submitted|processing)/);
    expect(timeout.stderr).toMatch(/keeps running/);
  });
});

describe('render and sandbox commands', () => {
  it('renders through an embedded sandbox when there are no credentials, and says so', async () => {
    const local = await createWorkspace('kav-render-');
    try {
      await local.png('assets/a.png');
      await local.wav('assets/a.wav', 2.1);
      await local.write(
        'avatars.yml',
        'jobs:\n  - name: hello\n    image: assets/a.png\n    audio: assets/a.wav\n    watermark: true\n',
      );
      const run = await runCli(['render'], { cwd: local.dir, env: cleanEnv() });
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).toMatch(
        /No Kling credentials in the environment .*: rendering with the local sandbox at http:\/\/127\.0\.0\.1:\d+/,
      );
      expect(run.stderr).toMatch(/Rendered by the local sandbox \(no credentials, no network\)/);
      expect(run.stdout).toContain(local.path('out/hello.mp4'));
      expect(run.stdout).toContain(local.path('out/hello.watermarked.mp4'));
      expect(run.stdout).toMatch(/hello\s+rendered\s+2\.1\d s/);
      expect(isMp4(await readFile(local.path('out/hello.watermarked.mp4')))).toBe(true);

      const again = await runCli(['render', '--sandbox', '--json'], { cwd: local.dir, env: cleanEnv() });
      expect(again.code).toBe(0);
      expect(again.json<{ jobs: { status: string }[]; totals: { creates: number } }>()).toMatchObject({
        jobs: [{ status: 'cached' }],
        totals: { creates: 0 },
      });
    } finally {
      await local.remove();
    }
  });

  it('a killed render is resumed by the next run without a second create', async () => {
    const local = await createWorkspace('kav-killed-');
    const own = await startTestSandbox({ timings: { submittedMs: 1500, processingMs: 1500 } });
    try {
      await local.png('p.png');
      await local.wav('one.wav', 2.1);
      await local.wav('two.wav', 2.2, 300);
      const manifestPath = await local.write('avatars.yml', 'globs: { images: "p.png", audio: "*.wav" }\n');
      const child = spawn(process.execPath, [binPath, 'render'], {
        cwd: local.dir,
        env: cleanEnv({ KLING_BASE_URL: own.url, KLING_API_KEY: own.credentials.apiKey }),
        stdio: 'ignore',
      });
      const exited = new Promise((resolve) => child.on('exit', resolve));
      const deadline = Date.now() + 20_000;
      while (own.stats().creates < 2 && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 20));
      child.kill('SIGKILL');
      await exited;
      expect(own.stats().creates).toBe(2);

      const report = await runBatch({
        manifestPath,
        cwd: local.dir,
        client: clientFor(own),
        wait: FAST_POLLING,
      });
      expect(report.jobs.map((job) => [job.name, job.status, job.resumed])).toEqual([
        ['one', 'rendered', true],
        ['two', 'rendered', true],
      ]);
      expect(report.totals.creates).toBe(0);
      expect(own.stats().creates).toBe(2);
      expect((await clientFor(own).listTasks()).length).toBe(2);
    } finally {
      await own.stop();
      await local.remove();
    }
  });

  it('sandbox prints export lines that work, and stops on SIGTERM', async () => {
    const child = spawn(
      process.execPath,
      [binPath, 'sandbox', '--port', '0', '--quiet', '--submitted-ms', '10'],
      {
        env: cleanEnv(),
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no export lines; stderr: ${stderr}`)), 20_000);
      child.stdout.on('data', (chunk) => {
        stdout += chunk;
        if (/export KLING_API_KEY=\S+\n/.test(stdout)) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    const baseUrl = /export KLING_BASE_URL=(\S+)/.exec(stdout)![1]!;
    const apiKey = /export KLING_API_KEY=(\S+)/.exec(stdout)![1]!;
    expect(baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const list = await runCli(['list', '--json'], {
      env: cleanEnv({ KLING_BASE_URL: baseUrl, KLING_API_KEY: apiKey }),
    });
    expect(list.code, list.stderr).toBe(0);
    expect(list.json()).toMatchObject({ tasks: [] });
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stderr).toContain('Sandbox stopped.');
  });

  it('sandbox refuses bad flags with exit 2', async () => {
    const run = await runCli(['sandbox', '--fault', 'explode=yes']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--fault "explode=yes" is not a fault/);
  });
});
