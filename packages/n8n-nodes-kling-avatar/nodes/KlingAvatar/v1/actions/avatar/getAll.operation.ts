import {
  type IExecuteFunctions,
  type INodeExecutionData,
  type INodeProperties,
  updateDisplayOptions,
} from 'n8n-workflow';

import { KlingValidationError, LIMITS, type TaskRecord, validateListQuery } from '../../../helpers/core';
import { taskJson } from '../../../helpers/task-output';
import { listTasks } from '../../../helpers/tasks';

const properties: INodeProperties[] = [
  {
    displayName: 'Return All',
    name: 'returnAll',
    type: 'boolean',
    default: false,
    description: 'Whether to return all results or only up to a given limit',
  },
  {
    displayName: 'Limit',
    name: 'limit',
    type: 'number',
    typeOptions: { minValue: 1 },
    default: 50,
    description: 'Max number of results to return',
    displayOptions: { show: { returnAll: [false] } },
  },
];

const displayOptions = { show: { resource: ['avatar'], operation: ['getAll'] } };

export const description = updateDisplayOptions(displayOptions, properties);

/**
 * Kling's list has no total or next-page field: read pages (at most `pageSize.max` tasks each) until a
 * short page, the limit, or Kling's last page number.
 */
export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<INodeExecutionData[]> {
  const returnAll = this.getNodeParameter('returnAll', itemIndex, false) as boolean;
  const limit = returnAll
    ? Number.POSITIVE_INFINITY
    : (this.getNodeParameter('limit', itemIndex, 50) as number);
  const pageSize = Math.min(
    LIMITS.list.pageSize.max,
    Number.isFinite(limit) ? Math.max(1, limit) : LIMITS.list.pageSize.max,
  );
  const checked = validateListQuery({ pageNum: LIMITS.list.pageNum.min, pageSize });
  if (!checked.ok) throw new KlingValidationError(checked.problems, 'List query');

  const signal = this.getExecutionCancelSignal();
  const tasks: TaskRecord[] = [];
  for (let pageNum = LIMITS.list.pageNum.min; pageNum <= LIMITS.list.pageNum.max; pageNum++) {
    const page = await listTasks(this, pageNum, checked.pageSize, signal);
    tasks.push(...page);
    if (page.length < checked.pageSize || tasks.length >= limit) break;
  }
  return tasks.slice(0, limit).map((task) => ({ json: taskJson(task), pairedItem: { item: itemIndex } }));
}
