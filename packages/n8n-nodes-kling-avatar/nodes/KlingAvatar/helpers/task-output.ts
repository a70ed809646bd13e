import type { IDataObject } from 'n8n-workflow';

import { firstVideo, type TaskRecord } from './core';

function isoTime(milliseconds: unknown): string | undefined {
  return typeof milliseconds === 'number' && Number.isFinite(milliseconds)
    ? new Date(milliseconds).toISOString()
    : undefined;
}

/**
 * The `json` of an output item for a task: the fields people map in later nodes, flat and named in
 * n8n's camelCase, plus Kling's record unchanged under `task`.
 */
export function taskJson(task: TaskRecord, extra: IDataObject = {}): IDataObject {
  const video = firstVideo(task);
  const json: IDataObject = {
    taskId: task.task_id,
    externalTaskId: task.task_info?.external_task_id ?? null,
    status: task.task_status,
    statusMessage: task.task_status_msg ?? '',
    videoUrl: video?.url ?? null,
    watermarkedVideoUrl: video?.watermark_url ?? null,
    durationSeconds: video?.duration === undefined ? null : Number(video.duration),
    unitsCharged: task.final_unit_deduction === undefined ? null : Number(task.final_unit_deduction),
    createdAt: isoTime(task.created_at) ?? null,
    updatedAt: isoTime(task.updated_at) ?? null,
    ...extra,
  };
  json.task = task as unknown as IDataObject;
  return json;
}
