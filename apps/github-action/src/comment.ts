/**
 * The sticky pull-request comment's Markdown: the same table as the job summary, the totals, where to
 * get the videos, and which commit it describes (the comment is updated in place on every push).
 */
import type { BatchReport } from '@kling-avatar/cli';
import type { EventContext } from './context.js';
import type { JobRow } from './report.js';
import { problemList, SUMMARY_HEADING, shorten, totalsLine } from './summary.js';

/** The hidden line that identifies our comment; `comment-id` lets several steps keep one each. */
export function commentMarker(commentId: string): string {
  return `<!-- kling-avatar-action:${commentId} -->`;
}

export interface CommentDetails {
  report: BatchReport;
  rows: JobRow[];
  target: string;
  context: EventContext;
  commentId: string;
  sha?: string;
}

export function renderComment(details: CommentDetails): string {
  const { report, rows, context } = details;
  const lines = [
    commentMarker(details.commentId),
    `### 🎬 ${SUMMARY_HEADING}${report.dryRun ? ' (dry run)' : ''}`,
    '',
    `| Job | Status | Duration | ${report.dryRun ? 'Est. units' : 'Units'} | Video |`,
    '| --- | --- | ---: | ---: | --- |',
    ...rows.map(
      (row) =>
        `| ${cell(row.name)} | ${cell(row.statusLabel)} | ${row.duration} | ${cell(row.units)} | ${videoCell(row)} |`,
    ),
    '',
    totalsLine(report, details.target),
  ];
  const problems = problemList(report);
  if (problems.length > 0) {
    lines.push(
      '',
      `<details><summary>Problems (${problems.length})</summary>`,
      '',
      ...problems.map((problem) => `- ${cell(shorten(problem, 400))}`),
      '',
      '</details>',
    );
  }
  const footer: string[] = [];
  if (context.runUrl)
    footer.push(`[Workflow run](${context.runUrl}) (job summary and any uploaded artifacts)`);
  if (details.sha) footer.push(`commit ${details.sha.slice(0, 7)}`);
  footer.push(`updated ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}`);
  lines.push('', `<sub>${footer.join(' · ')}</sub>`);
  return `${lines.join('\n')}\n`;
}

/** Table-safe text: no pipes or newlines, no raw HTML. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function videoCell(row: JobRow): string {
  if (row.outputs.length === 0) return row.error ? cell(shorten(row.error, 120)) : '–';
  return row.outputs
    .map((path, index) => (index === 0 && row.link ? `[\`${path}\`](${row.link})` : `\`${cell(path)}\``))
    .join('<br>');
}
