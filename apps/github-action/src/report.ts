/**
 * The engine's `BatchReport` seen from a workflow: counts for the step outputs, the `videos` list, and
 * table rows shared by the job summary and the PR comment. Pure functions, no toolkit calls.
 */
import { isAbsolute, relative, sep } from 'node:path';
import type { BatchReport, JobReport, JobStatus } from '@kling-avatar/cli';

export interface VideoEntry {
  name: string;
  status: 'rendered' | 'cached';
  /** The clean MP4, relative to the workspace (absolute when outside it). */
  file: string;
  /** Every file of the job: the clean MP4, then the watermarked copy when asked. */
  files: string[];
  taskId?: string;
  /** Units this run paid for the job (0 for cached jobs). */
  units: number;
  durationSeconds?: number;
  /** Release asset download URL, when the video was uploaded to the release. */
  url?: string;
}

export interface RunCounts {
  jobs: number;
  rendered: number;
  cached: number;
  /** Not rendered now and not failed: cached, over budget, or planned by a dry run. */
  skipped: number;
  /** Failed at Kling or invalid before anything was sent. */
  failed: number;
  units: number;
  estimatedUnits: number;
}

export interface JobRow {
  name: string;
  status: JobStatus;
  statusLabel: string;
  duration: string;
  units: string;
  /** Workspace-relative output files (empty when the job has no video). */
  outputs: string[];
  /** Download link of the first output, when one exists. */
  link?: string;
  error?: string;
}

const STATUS_LABELS: Record<JobStatus, string> = {
  rendered: '✅ rendered',
  cached: '♻️ cached',
  failed: '❌ failed',
  invalid: '⚠️ invalid',
  'skipped-budget': '⏭️ over budget',
  planned: '📝 planned',
};

export function hasVideo(job: JobReport): job is JobReport & { status: 'rendered' | 'cached' } {
  return job.status === 'rendered' || job.status === 'cached';
}

/** Path for people and later steps: relative to the workspace with `/`, absolute when outside it. */
export function workspacePath(workspace: string, path: string): string {
  const inside = relative(workspace, path);
  if (inside === '' || inside.startsWith('..') || isAbsolute(inside)) return path;
  return inside.split(sep).join('/');
}

export function countJobs(report: BatchReport): RunCounts {
  const { totals } = report;
  return {
    jobs: totals.jobs,
    rendered: totals.rendered,
    cached: totals.cached,
    skipped: totals.cached + totals.skippedBudget + totals.planned,
    failed: totals.failed + totals.invalid,
    units: totals.units,
    estimatedUnits: totals.estimatedUnits,
  };
}

export function videoEntries(
  report: BatchReport,
  workspace: string,
  links: ReadonlyMap<string, string> = new Map(),
): VideoEntry[] {
  return report.jobs.filter(hasVideo).map((job) => {
    const files = job.outputs.map((path) => workspacePath(workspace, path));
    const entry: VideoEntry = {
      name: job.name,
      status: job.status,
      file: files[0] ?? '',
      files,
      units: job.status === 'cached' ? 0 : (job.units ?? 0),
    };
    if (job.taskId) entry.taskId = job.taskId;
    if (job.durationSeconds !== undefined) entry.durationSeconds = job.durationSeconds;
    const url = job.outputs[0] ? links.get(job.outputs[0]) : undefined;
    if (url) entry.url = url;
    return entry;
  });
}

export function jobRows(
  report: BatchReport,
  workspace: string,
  links: ReadonlyMap<string, string> = new Map(),
): JobRow[] {
  return report.jobs.map((job) => {
    const video = hasVideo(job);
    const row: JobRow = {
      name: job.name,
      status: job.status,
      statusLabel: STATUS_LABELS[job.status],
      duration: video || job.status === 'planned' ? formatSeconds(job.durationSeconds) : '–',
      units: formatJobUnits(job),
      outputs: video ? job.outputs.map((path) => workspacePath(workspace, path)) : [],
    };
    const link = video && job.outputs[0] ? links.get(job.outputs[0]) : undefined;
    if (link) row.link = link;
    if (job.error) row.error = job.error;
    return row;
  });
}

export function formatJobUnits(job: JobReport): string {
  switch (job.status) {
    case 'rendered':
      return formatNumber(job.units);
    case 'cached':
      return '0 (cached)';
    case 'planned':
    case 'skipped-budget':
      return job.estimatedUnits === undefined ? '–' : `~${formatNumber(job.estimatedUnits)}`;
    default:
      return '–';
  }
}

export function formatSeconds(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return '–';
  return `${(Math.round(seconds * 10) / 10).toFixed(1)} s`;
}

export function formatNumber(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '–';
  return String(Math.round(value * 1000) / 1000);
}

/** `2 rendered, 1 cached, 1 failed` (zero counts left out; `nothing to do` when all are zero). */
export function describeCounts(report: BatchReport): string {
  const { totals } = report;
  const parts = (
    [
      [totals.rendered, 'rendered'],
      [totals.cached, 'cached'],
      [totals.planned, 'planned'],
      [totals.skippedBudget, 'over budget'],
      [totals.failed, 'failed'],
      [totals.invalid, 'invalid'],
    ] as const
  )
    .filter(([count]) => count > 0)
    .map(([count, label]) => `${count} ${label}`);
  return parts.length > 0 ? parts.join(', ') : 'no jobs';
}
