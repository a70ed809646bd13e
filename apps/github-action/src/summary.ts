/**
 * The job summary (the Markdown/HTML page under the run): one table row per job (job, status, video
 * length, units, output file or download link), the totals, and every problem with its manifest line.
 */
import type * as core from '@actions/core';
import type { BatchReport } from '@kling-avatar/cli';
import { formatProblem } from '@kling-avatar/cli';
import { describeCounts, formatNumber, type JobRow } from './report.js';

type Summary = typeof core.summary;

export const SUMMARY_HEADING = 'Kling avatar videos';

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export interface SummaryDetails {
  report: BatchReport;
  rows: JobRow[];
  /** `local-sandbox`, or the API base URL. */
  target: string;
  notes?: string[];
}

export function addReportToSummary(summary: Summary, details: SummaryDetails): Summary {
  const { report, rows } = details;
  summary.addHeading(`🎬 ${SUMMARY_HEADING}${report.dryRun ? ' (dry run)' : ''}`, 2);
  summary.addTable([
    [
      { data: 'Job', header: true },
      { data: 'Status', header: true },
      { data: 'Duration', header: true },
      { data: report.dryRun ? 'Est. units' : 'Units', header: true },
      { data: 'Output', header: true },
    ],
    ...rows.map((row) => [
      escapeHtml(row.name),
      escapeHtml(row.statusLabel),
      row.duration,
      row.units,
      outputCell(row),
    ]),
  ]);
  summary.addRaw(`<p>${escapeHtml(totalsLine(report, details.target))}</p>`, true);
  for (const note of details.notes ?? []) summary.addRaw(`<p>${escapeHtml(note)}</p>`, true);
  const problems = problemList(report);
  if (problems.length > 0) {
    summary.addDetails(
      `Problems (${problems.length})`,
      `<ul>${problems.map((problem) => `<li>${escapeHtml(problem)}</li>`).join('')}</ul>`,
    );
  }
  return summary;
}

/** Skipped runs (fork pull requests) still leave a line on the run page. */
export function addSkipToSummary(summary: Summary, reason: string): Summary {
  return summary
    .addHeading(`🎬 ${SUMMARY_HEADING} (skipped)`, 2)
    .addRaw(`<p>${escapeHtml(reason)}</p>`, true);
}

export function totalsLine(report: BatchReport, target: string): string {
  const { totals } = report;
  const money = report.dryRun
    ? `estimate ${formatNumber(totals.estimatedUnits)} units`
    : `${formatNumber(totals.units)} units charged`;
  const budget = report.maxUnits === undefined ? '' : ` (max-units ${report.maxUnits})`;
  const seconds = (report.elapsedMs / 1000).toFixed(1);
  const video = report.dryRun ? '' : ` · ${formatNumber(totals.durationSeconds)} s of video`;
  return `${describeCounts(report)} · ${money}${budget}${video} · ${target} · ${seconds} s`;
}

/** One line per invalid, failed or skipped job, with file:line when the manifest says where. */
export function problemList(report: BatchReport): string[] {
  const lines: string[] = [];
  for (const job of report.jobs) {
    if (job.status === 'invalid') {
      for (const problem of job.problems ?? []) lines.push(`${job.name}: ${formatProblem(problem)}`);
      if (!job.problems?.length) lines.push(`${job.name}: ${job.error ?? 'invalid'}`);
    } else if (job.status === 'failed') {
      lines.push(`${job.name}: ${job.taskId ? `task ${job.taskId}: ` : ''}${job.error ?? 'failed'}`);
    } else if (job.status === 'skipped-budget') {
      lines.push(`${job.name}: skipped, ${job.error ?? 'over budget'}`);
    }
  }
  for (const warning of report.warnings) lines.push(warning);
  return lines;
}

function outputCell(row: JobRow): string {
  if (row.outputs.length === 0) return row.error ? escapeHtml(shorten(row.error, 160)) : '–';
  return row.outputs
    .map((path, index) => {
      const code = `<code>${escapeHtml(path)}</code>`;
      return index === 0 && row.link ? `<a href="${escapeHtml(row.link)}">${code}</a>` : code;
    })
    .join('<br>');
}

export function shorten(text: string, length: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= length ? flat : `${flat.slice(0, length - 1)}…`;
}
