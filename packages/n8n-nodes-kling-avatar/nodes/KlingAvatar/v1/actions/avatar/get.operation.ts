import {
  type IExecuteFunctions,
  type INodeExecutionData,
  type INodeProperties,
  updateDisplayOptions,
} from 'n8n-workflow';

import { downloadTaskVideos } from '../../../helpers/binary-data';
import { taskJson } from '../../../helpers/task-output';
import { getTask } from '../../../helpers/tasks';

const properties: INodeProperties[] = [
  {
    displayName: 'Task ID or External Task ID',
    name: 'taskId',
    type: 'string',
    default: '',
    required: true,
    placeholder: 'e.g. 867283741759111202 or n8n-1234-…',
    description: "Kling's task ID, or the external task ID given at creation (Kling accepts either)",
  },
  {
    displayName: 'Options',
    name: 'options',
    type: 'collection',
    placeholder: 'Add Option',
    default: {},
    options: [
      {
        displayName: 'Download Video',
        name: 'downloadVideo',
        type: 'boolean',
        default: false,
        description:
          'Whether to download the finished MP4 into a binary field (only when the task has succeeded)',
      },
      {
        displayName: 'Download Watermarked Copy',
        name: 'downloadWatermarked',
        type: 'boolean',
        default: false,
        description: 'Whether to also download the watermarked copy, when the task has one',
      },
      {
        displayName: 'Output Binary Field',
        name: 'outputBinaryProperty',
        type: 'string',
        default: 'data',
        description: 'The binary field to put the video in',
      },
      {
        displayName: 'Watermarked Binary Field',
        name: 'watermarkedBinaryProperty',
        type: 'string',
        default: 'watermarked',
        description: 'The binary field to put the watermarked copy in',
      },
    ],
  },
];

const displayOptions = { show: { resource: ['avatar'], operation: ['get'] } };

export const description = updateDisplayOptions(displayOptions, properties);

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<INodeExecutionData[]> {
  const id = (this.getNodeParameter('taskId', itemIndex) as string).trim();
  const options = this.getNodeParameter('options', itemIndex, {}) as {
    downloadVideo?: boolean;
    downloadWatermarked?: boolean;
    outputBinaryProperty?: string;
    watermarkedBinaryProperty?: string;
  };
  const task = await getTask(this, id, this.getExecutionCancelSignal());
  const binary = await downloadTaskVideos(this, task, options);
  const output: INodeExecutionData = { json: taskJson(task), pairedItem: { item: itemIndex } };
  if (Object.keys(binary).length > 0) output.binary = binary;
  return [output];
}
