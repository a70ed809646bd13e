/**
 * Text for batch runs: the plan (dry run), the result table of MP4 paths with durations, problem lists
 * pointing at manifest lines, and a one-line summary. The GitHub Action reuses these for its logs.
 */
import { PRICE_UNITS_PER_SECOND } from '@kling-avatar/core';
import type { BatchReport, JobProblem, JobReport } from './engine/types.js';
import { formatSeconds, formatTable, formatUnitAmount, plural } from './util/format.js';

const STATUS_LABEL: Record<JobReport['status'], string> = {
  rendered: 'rendered',
  cached: 'cached',
  failed: 'FAILED',
  invalid: 'INVALID',
  'skipped-budget': 'over budget',
  planned: 'planned',
};

export function formatPlanTable(
  jobs: JobReport[],
  options: { estimatedUnits: number; maxUnits?: number },
): string {
  const rows = jobs.map((job) => [
    job.name,
    STATUS_LABEL[job.status],
    job.mode ?? '–',
    job.durationSeconds === undefined ? '–' : formatSeconds(job.durationSeconds),
    job.status === 'cached' ? '0' : formatUnitAmount(job.estimatedUnits),
    job.image ?? '–',
    job.audio ?? '–',
  ]);
  const table = formatTable(['JOB', 'STATUS', 'MODE', 'LENGTH', 'EST. UNITS', 'IMAGE', 'AUDIO'], rows, [
    'left',
    'left',
    'left',
    'right',
    'right',
  ]);
  const toRender = jobs.filter((job) => job.status === 'planned').length;
  const rates = `std ${PRICE_UNITS_PER_SECOND.std}/s, pro ${PRICE_UNITS_PER_SECOND.pro}/s`;
  const budget = options.maxUnits === undefined ? '' : ` · budget --max-units ${options.maxUnits}`;
  return `${table}\n\nEstimate: ${formatUnitAmount(options.estimatedUnits)} units for ${plural(toRender, 'job')} to render (${rates})${budget}`;
}

export function formatResultTable(report: BatchReport): string {
  const rows: string[][] = [];
  for (const job of report.jobs) {
    const units = job.status === 'cached' ? '0 (cached)' : formatUnitAmount(job.units);
    const hasVideo = job.status === 'rendered' || job.status === 'cached';
    const [first, ...rest] = hasVideo ? job.outputs : [];
    rows.push([
      job.name,
      STATUS_LABEL[job.status],
      hasVideo ? formatSeconds(job.durationSeconds) : '–',
      hasVideo ? units : '–',
      first ?? '–',
    ]);
    for (const output of rest) rows.push(['', '', '', '', output]);
  }
  return formatTable(['JOB', 'STATUS', 'DURATION', 'UNITS', 'MP4'], rows, ['left', 'left', 'right', 'right']);
}

/** Every problem of invalid jobs and the error of failed or skipped ones, with file:line. */
export function formatJobProblems(report: { jobs: JobReport[] }): string {
  const blocks: string[] = [];
  for (const job of report.jobs) {
    if (job.status === 'invalid') {
      const lines = (job.problems ?? []).map((problem) => `  ✗ ${formatProblem(problem)}`);
      blocks.push(`${job.name}: invalid, not rendered\n${lines.join('\n')}`);
    } else if (job.status === 'failed') {
      blocks.push(
        `${job.name}: failed${job.taskId ? ` (task ${job.taskId})` : ''}\n  ${job.error ?? 'unknown error'}`,
      );
    } else if (job.status === 'skipped-budget') {
      blocks.push(`${job.name}: skipped, ${job.error ?? 'over budget'}`);
    }
  }
  return blocks.join('\n');
}

export function formatProblem(problem: JobProblem): string {
  const where = problem.file
    ? `${problem.file}${problem.line === undefined ? '' : `:${problem.line}`}  `
    : '';
  const api = problem.apiMessage ? ` (Kling would answer 1201 "${problem.apiMessage}")` : '';
  return `${where}${problem.message} [${problem.code}]${api}`;
}

export function formatBatchSummary(report: BatchReport, options: { sandbox?: boolean } = {}): string {
  const { totals } = report;
  const parts = report.dryRun
    ? [`${totals.planned} to render`, `${totals.cached} cached`]
    : [`${totals.rendered} rendered`, `${totals.cached} cached`, `${totals.failed} failed`];
  if (totals.invalid) parts.push(`${totals.invalid} invalid`);
  if (totals.skippedBudget) parts.push(`${totals.skippedBudget} over budget`);
  const money = report.dryRun
    ? `estimate ${formatUnitAmount(totals.estimatedUnits)} units`
    : options.sandbox
      ? `${formatUnitAmount(totals.units)} units as Kling would charge them (the sandbox charges nothing), ${plural(totals.creates, 'task')} created`
      : `${formatUnitAmount(totals.units)} units charged (estimate was ${formatUnitAmount(totals.estimatedUnits)}), ${plural(totals.creates, 'task')} created`;
  return `${report.dryRun ? 'Dry run' : 'Done'}: ${parts.join(', ')} · ${money} · ${(report.elapsedMs / 1000).toFixed(1)} s`;
}
