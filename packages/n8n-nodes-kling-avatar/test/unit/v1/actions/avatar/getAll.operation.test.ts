import { describe, expect, it } from 'vitest';

import { execute } from '../../../../../nodes/KlingAvatar/v1/actions/avatar/getAll.operation';
import { createContext } from '../../../helpers/context';

function seed(kling: ReturnType<typeof createContext>['kling'], count: number) {
  for (let index = 0; index < count; index++) {
    kling.tasks.set(`t${index}`, {
      task_id: `t${index}`,
      task_status: 'succeed',
      task_status_msg: '',
      task_info: {},
      watermark_info: { enabled: false },
      created_at: 1_800_000_000_000 + index,
      updated_at: 1_800_000_000_000 + index,
      pollsLeft: 0,
      body: {},
    });
  }
}

describe('avatar → get many', () => {
  it('returns up to the limit, asking for only that many', async () => {
    const { context, kling } = createContext({
      parameters: { resource: 'avatar', operation: 'getAll', returnAll: false, limit: 2 },
    });
    seed(kling, 5);

    const items = await execute.call(context, 0);

    expect(items.map((item) => item.json.taskId)).toEqual(['t4', 't3']);
    expect(items.every((item) => (item.pairedItem as { item: number }).item === 0)).toBe(true);
    expect(kling.requests).toEqual([
      expect.objectContaining({ method: 'GET', qs: { pageNum: 1, pageSize: 2 } }),
    ]);
  });

  it('pages through everything with the largest page size when returning all', async () => {
    const { context, kling } = createContext({
      parameters: { resource: 'avatar', operation: 'getAll', returnAll: true },
    });
    seed(kling, 1003);

    const items = await execute.call(context, 0);

    expect(items).toHaveLength(1003);
    expect(kling.requests.map((request) => request.qs)).toEqual([
      { pageNum: 1, pageSize: 500 },
      { pageNum: 2, pageSize: 500 },
      { pageNum: 3, pageSize: 500 },
    ]);
  });

  it('stops after a full last page that turns out to be the end', async () => {
    const { context, kling } = createContext({
      parameters: { resource: 'avatar', operation: 'getAll', returnAll: false, limit: 3 },
    });
    seed(kling, 3);

    const items = await execute.call(context, 0);

    expect(items).toHaveLength(3);
    expect(kling.requests).toHaveLength(1);
  });
});
