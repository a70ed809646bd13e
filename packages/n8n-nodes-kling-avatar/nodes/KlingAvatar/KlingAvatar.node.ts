import { type INodeTypeBaseDescription, type IVersionedNodeType, VersionedNodeType } from 'n8n-workflow';

import { KlingAvatarV1 } from './v1/KlingAvatarV1.node';

export class KlingAvatar extends VersionedNodeType {
  constructor() {
    const baseDescription: INodeTypeBaseDescription = {
      displayName: 'Kling Avatar',
      name: 'klingAvatar',
      icon: { light: 'file:klingAvatar.svg', dark: 'file:klingAvatar.dark.svg' },
      group: ['transform'],
      subtitle: '={{ $parameter["operation"] + ": " + $parameter["resource"] }}',
      description: 'Turn a portrait and speech into a talking-avatar video with Kling AI',
      defaultVersion: 1,
      usableAsTool: true,
    };

    const nodeVersions: IVersionedNodeType['nodeVersions'] = {
      1: new KlingAvatarV1(baseDescription),
    };

    super(nodeVersions, baseDescription);
  }
}
