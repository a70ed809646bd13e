/**
 * Light, dependency-free reading of task records (for the portable entry and the n8n node): checks the
 * two fields every record has and turns JSON `null`s into absent fields, as the lenient schemas do.
 */
import { TASK_STATUSES, type TaskStatus } from './limits.js';
import type { TaskRecord, TaskVideo } from './types.js';

function stripNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripNulls);
  if (value && typeof value === 'object') {
    const result: Record<string, unknown> = {};
    for (const [key, entry] of Object.entries(value)) if (entry !== null) result[key] = stripNulls(entry);
    return result;
  }
  return value;
}

/** Returns the record, or `undefined` when `value` is not a task record (no task_id / unknown status). */
export function asTaskRecord(value: unknown): TaskRecord | undefined {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const record = value as Record<string, unknown>;
  if (typeof record.task_id !== 'string' || !TASK_STATUSES.includes(record.task_status as TaskStatus)) {
    return undefined;
  }
  return stripNulls(record) as TaskRecord;
}

/** The first result video, if the task has one. */
export function firstVideo(task: TaskRecord): TaskVideo | undefined {
  return task.task_result?.videos?.[0];
}
