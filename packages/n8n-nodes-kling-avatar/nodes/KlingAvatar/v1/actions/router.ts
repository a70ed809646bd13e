import { type IExecuteFunctions, type INodeExecutionData, NodeOperationError } from 'n8n-workflow';
import { errorJson, toNodeError } from '../../helpers/error-handling';
import * as audio from './audio';
import * as avatar from './avatar';
import type { KlingAvatarType } from './node.type';

type Execute = (this: IExecuteFunctions, itemIndex: number) => Promise<INodeExecutionData[]>;

/** The item-by-item operations (Create runs all items together, see `executeBatch`). */
const OPERATIONS: Record<string, Record<string, Execute>> = {
  avatar: { get: avatar.get.execute, getAll: avatar.getAll.execute },
  audio: { textToSpeech: audio.textToSpeech.execute },
};

/**
 * Dispatches to the operation, owns the item loop, `continueOnFail` (an error item with `pairedItem`)
 * and the mapping of Kling's errors to n8n errors. Create runs all items together (bounded concurrency);
 * the other operations run item by item.
 */
export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
  const items = this.getInputData();
  const resource = this.getNodeParameter('resource', 0) as string;
  const operation = this.getNodeParameter('operation', 0) as string;
  const selected = { resource, operation } as KlingAvatarType;

  if (selected.resource === 'avatar' && selected.operation === 'create') {
    return [
      await avatar.create.executeBatch.call(
        this,
        items.map((_item, index) => index),
      ),
    ];
  }
  const execute = OPERATIONS[resource]?.[operation];
  if (!execute) {
    throw new NodeOperationError(
      this.getNode(),
      `The operation "${operation}" is not supported for "${resource}"`,
    );
  }

  const returnData: INodeExecutionData[] = [];
  for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
    try {
      returnData.push(...(await execute.call(this, itemIndex)));
    } catch (error) {
      if (this.continueOnFail()) {
        returnData.push({ json: errorJson(error), pairedItem: { item: itemIndex } });
        continue;
      }
      throw toNodeError(this.getNode(), error, itemIndex);
    }
  }
  return [returnData];
}
