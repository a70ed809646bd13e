import type { AllEntities } from 'n8n-workflow';

type NodeMap = {
  avatar: 'create' | 'get' | 'getAll';
  audio: 'textToSpeech';
};

export type KlingAvatarType = AllEntities<NodeMap>;
