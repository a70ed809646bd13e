/**
 * The batch engine against the sandbox (real HTTP, real MP4s): manifests and globs, the content-hash
 * cache, resume without a second create, budget, dry run, concurrency, partial failure.
 */
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type BatchEvent, ManifestError, runBatch } from '../../src/index.js';
import {
  clientFor,
  FAST_POLLING,
  faultForPrompt,
  isMp4,
  startTestSandbox,
  type TestSandbox,
} from '../helpers/sandbox.js';
import { createWorkspace, type Workspace } from '../helpers/workspace.js';

let workspace: Workspace;
let sandbox: TestSandbox | undefined;
beforeEach(async () => {
  workspace = await createWorkspace('kav-engine-');
});
afterEach(async () => {
  await sandbox?.stop();
  sandbox = undefined;
  await workspace.remove();
});

async function twoJobManifest(): Promise<string> {
  await workspace.png('assets/presenter.png');
  await workspace.png('assets/square.png', 400, 400, [160, 60, 60]);
  await workspace.wav('assets/welcome.wav', 2.2);
  await workspace.wav('assets/notes.wav', 2.4, 330);
  return workspace.write(
    'avatars.yml',
    [
      'defaults:',
      '  mode: std',
      '  prompt: Friendly, looks at the camera',
      'jobs:',
      '  - name: welcome',
      '    image: assets/presenter.png',
      '    audio: assets/welcome.wav',
      '  - name: notes',
      '    image: assets/square.png',
      '    audio: assets/notes.wav',
      '    watermark: true',
    ].join('\n'),
  );
}

describe('runBatch against the sandbox', () => {
  it('renders a manifest to real MP4s, then skips everything on an unchanged re-run', async () => {
    sandbox = await startTestSandbox();
    const manifestPath = await twoJobManifest();
    const client = clientFor(sandbox);
    const options = { manifestPath, cwd: workspace.dir, client, wait: FAST_POLLING };

    const first = await runBatch(options);
    expect(first.ok).toBe(true);
    expect(first.jobs.map((job) => [job.name, job.status])).toEqual([
      ['welcome', 'rendered'],
      ['notes', 'rendered'],
    ]);
    expect(first.totals).toMatchObject({ rendered: 2, creates: 2, failed: 0 });
    const notes = first.jobs[1]!;
    expect(notes.outputs).toEqual([
      workspace.path('out/notes.mp4'),
      workspace.path('out/notes.watermarked.mp4'),
    ]);
    expect(notes.durationSeconds).toBeCloseTo(2.4, 1);
    expect(notes.units).toBe(0.8); // round(2.4 s) = 2 s × 0.4
    for (const output of [...first.jobs[0]!.outputs, ...notes.outputs]) {
      const bytes = await readFile(output);
      expect(bytes.length).toBeGreaterThan(1000);
      expect(isMp4(bytes)).toBe(true);
    }
    const lock = JSON.parse(await readFile(workspace.path('avatars.lock.json'), 'utf8'));
    expect(lock.jobs.notes).toMatchObject({
      status: 'rendered',
      taskId: notes.taskId,
      externalTaskId: `kav-${notes.hash!.slice(0, 32)}`,
      outputs: ['out/notes.mp4', 'out/notes.watermarked.mp4'],
      units: 0.8,
    });

    const before = sandbox.stats();
    const started = Date.now();
    const again = await runBatch(options);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(again.jobs.map((job) => job.status)).toEqual(['cached', 'cached']);
    expect(again.jobs[1]!.outputs).toEqual(notes.outputs);
    expect(again.totals).toMatchObject({ creates: 0, cached: 2, units: 0 });
    expect(sandbox.stats().createRequests).toBe(before.createRequests);
  });

  it('re-renders only what changed; a deleted output is fetched again without a new create', async () => {
    sandbox = await startTestSandbox();
    const manifestPath = await twoJobManifest();
    const options = { manifestPath, cwd: workspace.dir, client: clientFor(sandbox), wait: FAST_POLLING };
    await runBatch(options);
    expect(sandbox.stats().creates).toBe(2);

    await rm(workspace.path('out/welcome.mp4'));
    const refetched = await runBatch(options);
    expect(refetched.jobs.map((job) => [job.name, job.status, job.resumed])).toEqual([
      ['welcome', 'rendered', true],
      ['notes', 'cached', undefined],
    ]);
    expect(sandbox.stats().creates).toBe(2);
    expect((await stat(workspace.path('out/welcome.mp4'))).size).toBeGreaterThan(0);

    const text = await readFile(manifestPath, 'utf8');
    await writeFile(
      manifestPath,
      text.replace('    watermark: true', '    watermark: true\n    prompt: Serious tone'),
    );
    const changed = await runBatch(options);
    expect(changed.jobs.map((job) => job.status)).toEqual(['cached', 'rendered']);
    expect(sandbox.stats().creates).toBe(3);

    const forced = await runBatch({ ...options, force: true });
    expect(forced.jobs.map((job) => job.status)).toEqual(['rendered', 'rendered']);
    expect(forced.jobs.every((job) => !job.resumed)).toBe(true);
    expect(forced.jobs[0]!.externalTaskId).toMatch(/-g1$/);
    expect(sandbox.stats().creates).toBe(5);
  });

  it('resumes a task an earlier run created instead of creating it again', async () => {
    sandbox = await startTestSandbox();
    const manifestPath = await twoJobManifest();
    const client = clientFor(sandbox);
    const plan = await runBatch({ manifestPath, cwd: workspace.dir, dryRun: true });
    const welcome = plan.jobs[0]!;
    const externalTaskId = `kav-${welcome.hash!.slice(0, 32)}`;
    // The earlier run got as far as creating "welcome" with the engine's external id, then died.
    const created = await client.createTask(
      {
        image: (await readFile(workspace.path('assets/presenter.png'))).toString('base64'),
        sound_file: (await readFile(workspace.path('assets/welcome.wav'))).toString('base64'),
        external_task_id: externalTaskId,
      },
      { validate: false },
    );
    expect(sandbox.stats().creates).toBe(1);

    const report = await runBatch({ manifestPath, cwd: workspace.dir, client, wait: FAST_POLLING });
    expect(report.jobs.map((job) => [job.name, job.status, job.resumed === true])).toEqual([
      ['welcome', 'rendered', true],
      ['notes', 'rendered', false],
    ]);
    expect(report.jobs[0]!.taskId).toBe(created.task_id);
    expect(report.totals.creates).toBe(1);
    const tasks = await client.listTasks({ pageSize: 50 });
    const welcomeTasks = tasks.filter((task) => task.task_info?.external_task_id === externalTaskId);
    expect(welcomeTasks.map((task) => task.task_id)).toEqual([created.task_id]);
    expect(tasks).toHaveLength(2);
    expect(sandbox.stats().creates).toBe(2);
  });

  it('stops before the budget is passed and reports the rest as skipped-budget', async () => {
    sandbox = await startTestSandbox();
    await workspace.png('p.png');
    // Different tones: identical files would be one job content-wise (same hash, same task).
    for (const [index, name] of ['a', 'b', 'c'].entries())
      await workspace.wav(`${name}.wav`, 2.6, 200 + index * 50); // 3 s × 0.4 = 1.2 units each
    const manifestPath = await workspace.write(
      'avatars.yml',
      'jobs:\n  - { image: p.png, audio: a.wav }\n  - { image: p.png, audio: b.wav }\n  - { image: p.png, audio: c.wav }\n',
    );
    const report = await runBatch({
      manifestPath,
      cwd: workspace.dir,
      client: clientFor(sandbox),
      maxUnits: 3,
      wait: FAST_POLLING,
    });
    expect(report.jobs.map((job) => [job.name, job.status])).toEqual([
      ['a', 'rendered'],
      ['b', 'rendered'],
      ['c', 'skipped-budget'],
    ]);
    expect(report.jobs[2]!.error).toMatch(/3\.6 units, over --max-units 3/);
    expect(report.ok).toBe(false);
    expect(sandbox.stats().creates).toBe(2);
  });

  it('makes no request at all in a dry run', async () => {
    sandbox = await startTestSandbox();
    const manifestPath = await twoJobManifest();
    let requests = 0;
    const client = clientFor(sandbox, {
      fetch: (input, init) => {
        requests++;
        return fetch(input, init);
      },
    });
    const events: BatchEvent[] = [];
    const report = await runBatch({
      manifestPath,
      cwd: workspace.dir,
      client,
      dryRun: true,
      onEvent: (event) => events.push(event),
    });
    expect(report.jobs.map((job) => job.status)).toEqual(['planned', 'planned']);
    expect(report.totals.estimatedUnits).toBe(1.6);
    expect(requests).toBe(0);
    expect(sandbox.stats().createRequests).toBe(0);
    await expect(stat(workspace.path('avatars.lock.json'))).rejects.toThrow();
    expect(events.map((event) => event.type)).toEqual(['plan', 'done']);
  });

  it('keeps at most `concurrency` tasks running', async () => {
    sandbox = await startTestSandbox({ timings: { submittedMs: 150, processingMs: 350 } });
    await workspace.png('p.png');
    const jobs: string[] = [];
    for (let index = 0; index < 4; index++) {
      await workspace.wav(`speech/s${index}.wav`, 2, 200 + index * 40);
    }
    jobs.push('globs: { images: "p.png", audio: "speech/*.wav" }');
    const manifestPath = await workspace.write('avatars.yml', jobs.join('\n'));
    let maxRunning = 0;
    const sampler = setInterval(() => {
      maxRunning = Math.max(maxRunning, sandbox!.stats().running);
    }, 15);
    try {
      const report = await runBatch({
        manifestPath,
        cwd: workspace.dir,
        client: clientFor(sandbox),
        concurrency: 2,
        wait: FAST_POLLING,
      });
      expect(report.totals.rendered).toBe(4);
    } finally {
      clearInterval(sampler);
    }
    expect(maxRunning).toBe(2);
    expect(sandbox.stats().createRequests).toBe(4); // no 1303 retries were needed
  });

  it('renders the good jobs when one is invalid and one fails, and says why', async () => {
    sandbox = await startTestSandbox();
    await workspace.png('p.png');
    await workspace.png('tiny.png', 120, 120);
    await workspace.wav('a.wav', 2.2);
    const manifestPath = await workspace.write(
      'avatars.yml',
      [
        'jobs:',
        '  - name: good',
        '    image: p.png',
        '    audio: a.wav',
        '  - name: too-small',
        '    image: tiny.png',
        '    audio: a.wav',
        '  - name: rejected',
        '    image: p.png',
        '    audio: a.wav',
        '    prompt: MODERATE-ME',
      ].join('\n'),
    );
    const client = clientFor(sandbox, {
      fetch: faultForPrompt('MODERATE-ME', 'fail-task=content risk control'),
    });
    const report = await runBatch({ manifestPath, cwd: workspace.dir, client, wait: FAST_POLLING });
    expect(report.ok).toBe(false);
    expect(report.jobs.map((job) => [job.name, job.status])).toEqual([
      ['good', 'rendered'],
      ['too-small', 'invalid'],
      ['rejected', 'failed'],
    ]);
    expect(report.jobs[1]!.problems).toEqual([
      expect.objectContaining({ code: 'image_too_small', line: 6, file: manifestPath }),
    ]);
    expect(report.jobs[2]!.error).toMatch(/content risk control/);
    expect(report.jobs[2]!.taskId).toBeDefined();
    expect(report.totals).toMatchObject({ rendered: 1, invalid: 1, failed: 1, creates: 2 });

    // The failed task is not resumed next time: a new task is created (a new generation).
    const again = await runBatch({
      manifestPath,
      cwd: workspace.dir,
      client: clientFor(sandbox),
      wait: FAST_POLLING,
    });
    expect(again.jobs.map((job) => job.status)).toEqual(['cached', 'invalid', 'rendered']);
    expect(again.jobs[2]!.externalTaskId).toMatch(/-g1$/);
  });

  it('stops creating when the account is out of credits', async () => {
    sandbox = await startTestSandbox({ faults: { error: 1102 } });
    const manifestPath = await twoJobManifest();
    const report = await runBatch({
      manifestPath,
      cwd: workspace.dir,
      client: clientFor(sandbox),
      concurrency: 1,
      wait: FAST_POLLING,
    });
    expect(report.jobs.map((job) => job.status)).toEqual(['failed', 'failed']);
    expect(report.jobs[0]!.error).toMatch(/1102/);
    expect(report.jobs[0]!.errorCode).toBe(1102);
    expect(report.jobs[1]!.error).toMatch(/^not started: /);
  });

  it('pairs globs, renders text-to-speech jobs, and reports manifest errors with their line', async () => {
    sandbox = await startTestSandbox();
    await workspace.png('faces/anna.png');
    await workspace.png('faces/ben.png', 360, 480);
    await workspace.wav('voices/anna.wav', 2.1);
    await workspace.wav('voices/ben.wav', 2.3);
    await workspace.png('speaker.png');
    const manifestPath = await workspace.write(
      'avatars.yml',
      [
        'defaults:',
        '  tts: { voice_id: oversea_male1, language: en }',
        'jobs:',
        '  - name: spoken',
        '    image: speaker.png',
        '    tts: { text: "Welcome to the release notes for this week, everyone." }',
      ].join('\n'),
    );
    const report = await runBatch({
      manifestPath,
      globs: { images: 'faces/*.png', audio: 'voices/*.wav' },
      cwd: workspace.dir,
      client: clientFor(sandbox),
      wait: FAST_POLLING,
    });
    expect(report.jobs.map((job) => [job.name, job.status])).toEqual([
      ['spoken', 'rendered'],
      ['anna', 'rendered'],
      ['ben', 'rendered'],
    ]);
    expect(report.jobs[0]!.units).toBe(1.65); // 53 characters ≈ 3.5 s → 4 s × 0.4, plus 0.05 for the TTS call
    expect(sandbox.stats().ttsCalls).toBe(1);

    await writeFile(
      manifestPath,
      'jobs:\n  - image: speaker.png\n    tts: 12\n  - { image: a.png, audio: [a.wav] }\n',
    );
    const invalid = await runBatch({ manifestPath, cwd: workspace.dir, dryRun: true });
    expect(invalid.jobs.map((job) => [job.status, job.problems?.[0]?.line])).toEqual([
      ['invalid', 3],
      ['invalid', 4],
    ]);
    await writeFile(manifestPath, 'jobs:\n  - image: a.png\n  audio: oops\n');
    const error = await runBatch({ manifestPath, cwd: workspace.dir, dryRun: true }).catch(
      (caught) => caught,
    );
    expect(error).toBeInstanceOf(ManifestError);
    expect((error as ManifestError).issues[0]).toMatchObject({ file: manifestPath, line: 3 });
  });
});
