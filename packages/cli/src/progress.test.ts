import { describe, expect, it } from 'vitest';
import type { JobReport } from './engine/types.js';
import { BatchProgress, TaskProgress } from './progress.js';

function stream(isTTY: boolean) {
  const chunks: string[] = [];
  return { chunks, isTTY, columns: 80, write: (chunk: string) => chunks.push(chunk) };
}

const planned = (name: string): JobReport => ({ name, status: 'planned', outputs: [] });

describe('progress', () => {
  it('prints one plain line per change off a terminal', () => {
    const out = stream(false);
    const progress = new BatchProgress(out, false);
    progress.handle({
      type: 'plan',
      jobs: [planned('a'), planned('b')],
      estimatedUnits: 2,
      dryRun: false,
      target: 'x',
    });
    progress.handle({ type: 'job-phase', job: 'a', phase: 'creating' });
    progress.handle({ type: 'job-phase', job: 'a', phase: 'submitted', taskId: '42' });
    progress.handle({ type: 'job-phase', job: 'a', phase: 'submitted', taskId: '42' });
    progress.handle({
      type: 'job-done',
      job: { ...planned('a'), status: 'rendered', outputs: ['/o/a.mp4'], units: 0.8, durationSeconds: 2.2 },
    });
    progress.stop();
    const text = out.chunks.join('');
    expect(text).not.toContain('\u001b[');
    expect(text.match(/task 42 submitted/g)).toHaveLength(1);
    expect(text).toMatch(/Rendering 2 jobs \(estimate 2 units\) via x/);
    expect(text).toMatch(/✓ a: rendered 2\.20 s, 0\.8 units → \/o\/a\.mp4/);
  });

  it('redraws a single status line on a terminal', () => {
    const out = stream(true);
    const progress = new BatchProgress(out, true);
    progress.handle({ type: 'plan', jobs: [planned('a')], estimatedUnits: 1, dryRun: false, target: 'x' });
    progress.handle({ type: 'job-phase', job: 'a', phase: 'processing', taskId: '1' });
    progress.handle({ type: 'job-done', job: { ...planned('a'), status: 'failed', error: 'boom' } });
    progress.handle({ type: 'done', report: {} as never });
    const text = out.chunks.join('');
    expect(text).toContain('\r\u001b[2K');
    expect(text).toMatch(/0\/1 done/);
    expect(text).toMatch(/✗ a: failed: boom\n/);

    const task = new TaskProgress(out, true, '99');
    task.start();
    task.update({ task_id: '99', task_status: 'processing' });
    task.stop();
    expect(out.chunks.join('')).toMatch(/task 99 submitted/);
  });
});
