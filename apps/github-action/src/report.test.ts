import type { BatchReport, JobReport } from '@kling-avatar/cli';
import { describe, expect, it } from 'vitest';
import { renderComment } from './comment.js';
import { countJobs, describeCounts, formatJobUnits, jobRows, videoEntries, workspacePath } from './report.js';
import { escapeHtml, problemList, totalsLine } from './summary.js';

const workspace = '/home/runner/work/avatars/avatars';

function report(jobs: JobReport[], extra: Partial<BatchReport> = {}): BatchReport {
  const count = (status: JobReport['status']) => jobs.filter((job) => job.status === status).length;
  return {
    ok: false,
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
      units: 2.4,
      estimatedUnits: 4,
      durationSeconds: 9.5,
      creates: 1,
    },
    outDir: `${workspace}/out`,
    lockPath: `${workspace}/avatars.lock.json`,
    target: 'https://api-singapore.klingai.com',
    elapsedMs: 65_400,
    warnings: [],
    ...extra,
  };
}

const sample = report([
  {
    name: 'welcome',
    status: 'rendered',
    outputs: [`${workspace}/out/welcome.mp4`, `${workspace}/out/welcome.watermarked.mp4`],
    units: 2.4,
    durationSeconds: 6.04,
    taskId: 't1',
  },
  {
    name: 'intro',
    status: 'cached',
    outputs: [`${workspace}/out/intro.mp4`],
    units: 1.6,
    durationSeconds: 3.5,
  },
  { name: 'budget', status: 'skipped-budget', outputs: [], estimatedUnits: 8, error: 'over --max-units 5' },
  { name: 'bad|name', status: 'failed', outputs: [], error: 'Kling said <no>\nsecond line', taskId: 't3' },
  {
    name: 'tiny',
    status: 'invalid',
    outputs: [],
    error: 'image too small',
    problems: [
      { path: 'image', code: 'image_too_small', message: 'image too small', file: 'avatars.yml', line: 9 },
    ],
  },
]);

describe('counts and video list', () => {
  it('counts skipped as cached + over budget + planned, failed as failed + invalid', () => {
    expect(countJobs(sample)).toEqual({
      jobs: 5,
      rendered: 1,
      cached: 1,
      skipped: 2,
      failed: 2,
      units: 2.4,
      estimatedUnits: 4,
    });
    expect(describeCounts(sample)).toBe('1 rendered, 1 cached, 1 over budget, 1 failed, 1 invalid');
    expect(describeCounts(report([]))).toBe('no jobs');
  });

  it('lists videos with workspace-relative paths; cached ones cost nothing now', () => {
    const links = new Map([[`${workspace}/out/welcome.mp4`, 'https://example.com/welcome.mp4']]);
    expect(videoEntries(sample, workspace, links)).toEqual([
      {
        name: 'welcome',
        status: 'rendered',
        file: 'out/welcome.mp4',
        files: ['out/welcome.mp4', 'out/welcome.watermarked.mp4'],
        taskId: 't1',
        units: 2.4,
        durationSeconds: 6.04,
        url: 'https://example.com/welcome.mp4',
      },
      {
        name: 'intro',
        status: 'cached',
        file: 'out/intro.mp4',
        files: ['out/intro.mp4'],
        units: 0,
        durationSeconds: 3.5,
      },
    ]);
  });

  it('keeps paths outside the workspace absolute', () => {
    expect(workspacePath(workspace, '/tmp/out/a.mp4')).toBe('/tmp/out/a.mp4');
    expect(workspacePath(workspace, `${workspace}/a/b.mp4`)).toBe('a/b.mp4');
  });

  it('shows units per status', () => {
    const [welcome, intro, budget, failed] = sample.jobs;
    expect([welcome, intro, budget, failed].map((job) => formatJobUnits(job!))).toEqual([
      '2.4',
      '0 (cached)',
      '~8',
      '–',
    ]);
  });
});

describe('summary and comment text', () => {
  it('rows carry status labels, rounded durations and outputs', () => {
    const rows = jobRows(sample, workspace);
    expect(rows[0]).toMatchObject({
      statusLabel: '✅ rendered',
      duration: '6.0 s',
      outputs: ['out/welcome.mp4', 'out/welcome.watermarked.mp4'],
    });
    expect(rows[3]).toMatchObject({ statusLabel: '❌ failed', duration: '–', outputs: [] });
  });

  it('has one totals line and one problem line per bad job, with file:line', () => {
    expect(totalsLine(sample, 'https://api-singapore.klingai.com')).toBe(
      '1 rendered, 1 cached, 1 over budget, 1 failed, 1 invalid · 2.4 units charged · 9.5 s of video · https://api-singapore.klingai.com · 65.4 s',
    );
    expect(problemList(sample)).toEqual([
      'budget: skipped, over --max-units 5',
      'bad|name: task t3: Kling said <no>\nsecond line',
      expect.stringMatching(/^tiny: avatars\.yml:9 +image too small/),
    ]);
  });

  it('escapes HTML in the job summary', () => {
    expect(escapeHtml('<b>"x" & y</b>')).toBe('&lt;b&gt;&quot;x&quot; &amp; y&lt;/b&gt;');
  });

  it('renders a Markdown comment that starts with the marker and keeps the table intact', () => {
    const body = renderComment({
      report: sample,
      rows: jobRows(sample, workspace),
      target: 'https://api-singapore.klingai.com',
      context: {
        eventName: 'pull_request',
        serverUrl: 'https://github.com',
        apiUrl: 'https://api.github.com',
        runUrl: 'https://github.com/acme/avatars/actions/runs/1',
      },
      commentId: 'kling-avatar',
      sha: 'abcdef1234567',
    });
    const lines = body.split('\n');
    expect(lines[0]).toBe('<!-- kling-avatar-action:kling-avatar -->');
    expect(body).toContain(
      '| welcome | ✅ rendered | 6.0 s | 2.4 | `out/welcome.mp4`<br>`out/welcome.watermarked.mp4` |',
    );
    // Pipes and newlines in names and errors cannot break the table; HTML is neutralised.
    expect(body).toContain('| bad\\|name | ❌ failed | – | – | Kling said &lt;no&gt; second line |');
    expect(body).toContain('[Workflow run](https://github.com/acme/avatars/actions/runs/1)');
    expect(body).toContain('commit abcdef1');
    expect(body).toContain('<details><summary>Problems (3)</summary>');
  });
});
