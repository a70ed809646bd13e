import type { INodeProperties } from 'n8n-workflow';

import * as textToSpeech from './textToSpeech.operation';

export { textToSpeech };

export const description: INodeProperties[] = [
  {
    displayName: 'Operation',
    name: 'operation',
    type: 'options',
    noDataExpression: true,
    displayOptions: { show: { resource: ['audio'] } },
    options: [
      {
        name: 'Text to Speech',
        value: 'textToSpeech',
        action: 'Convert text to speech',
        description: 'Speak a text with a Kling voice; returns an audio ID for avatar videos',
      },
    ],
    default: 'textToSpeech',
  },
  ...textToSpeech.description,
];
