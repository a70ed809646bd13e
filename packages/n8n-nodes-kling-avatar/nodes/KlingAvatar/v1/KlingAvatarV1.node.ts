import {
  type IExecuteFunctions,
  type INodeExecutionData,
  type INodeType,
  type INodeTypeBaseDescription,
  type INodeTypeDescription,
  NodeConnectionTypes,
} from 'n8n-workflow';

import * as audio from './actions/audio';
import * as avatar from './actions/avatar';
import { router } from './actions/router';

export class KlingAvatarV1 implements INodeType {
  description: INodeTypeDescription = {
    displayName: 'Kling Avatar',
    name: 'klingAvatar',
    // Relative to this file for lint and standalone use; when loaded through the versioned wrapper the
    // wrapper's icon (relative to KlingAvatar.node.ts, which is what n8n resolves against) is used.
    icon: { light: 'file:../klingAvatar.svg', dark: 'file:../klingAvatar.dark.svg' },
    group: ['transform'],
    version: [1],
    subtitle: '={{ $parameter["operation"] + ": " + $parameter["resource"] }}',
    description: 'Turn a portrait and speech into a talking-avatar video with Kling AI',
    defaults: { name: 'Kling Avatar' },
    usableAsTool: true,
    inputs: [NodeConnectionTypes.Main],
    outputs: [NodeConnectionTypes.Main],
    credentials: [{ name: 'klingAiApi', required: true }],
    properties: [
      {
        displayName: 'Resource',
        name: 'resource',
        type: 'options',
        noDataExpression: true,
        options: [
          { name: 'Audio', value: 'audio' },
          { name: 'Avatar Video', value: 'avatar' },
        ],
        default: 'avatar',
      },
      ...avatar.description,
      ...audio.description,
    ],
  };

  constructor(baseDescription?: INodeTypeBaseDescription) {
    if (baseDescription) this.description = { ...this.description, ...baseDescription };
  }

  async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
    return await router.call(this);
  }
}
