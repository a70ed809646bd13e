import type { INodeProperties } from 'n8n-workflow';

import * as create from './create.operation';
import * as get from './get.operation';
import * as getAll from './getAll.operation';

export { create, get, getAll };

export const description: INodeProperties[] = [
  {
    displayName: 'Operation',
    name: 'operation',
    type: 'options',
    noDataExpression: true,
    displayOptions: { show: { resource: ['avatar'] } },
    options: [
      {
        name: 'Create',
        value: 'create',
        action: 'Create an avatar video',
        description: 'Animate a portrait with speech; optionally wait and download the MP4',
      },
      {
        name: 'Get',
        value: 'get',
        action: 'Get an avatar video task',
        description: 'Get a task by its ID or external ID, optionally downloading the video',
      },
      {
        name: 'Get Many',
        value: 'getAll',
        action: 'Get many avatar video tasks',
        description: 'List tasks, newest first',
      },
    ],
    default: 'create',
  },
  ...create.description,
  ...get.description,
  ...getAll.description,
];
