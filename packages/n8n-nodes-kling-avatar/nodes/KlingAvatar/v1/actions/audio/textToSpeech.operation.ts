import {
  type IExecuteFunctions,
  type INodeExecutionData,
  type INodeProperties,
  updateDisplayOptions,
} from 'n8n-workflow';

import { downloadToBinary } from '../../../helpers/binary-data';
import { KlingValidationError, LIMITS, TTS_LANGUAGES, validateTtsRequest } from '../../../helpers/core';
import { textToSpeech } from '../../../helpers/tasks';

const properties: INodeProperties[] = [
  {
    displayName: 'Text',
    name: 'text',
    type: 'string',
    typeOptions: { rows: 4 },
    default: '',
    required: true,
    description: `What to say, at most ${LIMITS.tts.text.maxLength} characters. An avatar video needs ${LIMITS.audio.minDurationSeconds}–${LIMITS.audio.maxDurationSeconds} seconds of audio (about 15 characters per second).`,
  },
  {
    displayName: 'Voice ID',
    name: 'voiceId',
    type: 'string',
    default: 'oversea_male1',
    required: true,
    description: "A voice from Kling's voice list, e.g. oversea_male1 (English)",
  },
  {
    displayName: 'Voice Language',
    name: 'voiceLanguage',
    type: 'options',
    options: TTS_LANGUAGES.map((language) => ({
      name: language === 'en' ? 'English' : 'Chinese',
      value: language,
    })),
    default: 'en',
    description: 'Must match the voice',
  },
  {
    displayName: 'Voice Speed',
    name: 'voiceSpeed',
    type: 'number',
    typeOptions: {
      minValue: LIMITS.tts.voiceSpeed.min,
      maxValue: LIMITS.tts.voiceSpeed.max,
      numberPrecision: LIMITS.tts.voiceSpeed.decimals,
    },
    default: 1,
  },
  {
    displayName: 'Options',
    name: 'options',
    type: 'collection',
    placeholder: 'Add Option',
    default: {},
    options: [
      {
        displayName: 'Download Audio',
        name: 'downloadAudio',
        type: 'boolean',
        default: false,
        description: 'Whether to download the speech into a binary field',
      },
      {
        displayName: 'Output Binary Field',
        name: 'outputBinaryProperty',
        type: 'string',
        default: 'data',
        description: 'The binary field to put the audio in',
      },
    ],
  },
];

const displayOptions = { show: { resource: ['audio'], operation: ['textToSpeech'] } };

export const description = updateDisplayOptions(displayOptions, properties);

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<INodeExecutionData[]> {
  const checked = validateTtsRequest({
    text: this.getNodeParameter('text', itemIndex) as string,
    voice_id: (this.getNodeParameter('voiceId', itemIndex) as string).trim(),
    voice_language: this.getNodeParameter('voiceLanguage', itemIndex) as string,
    voice_speed: this.getNodeParameter('voiceSpeed', itemIndex, LIMITS.tts.voiceSpeed.default) as number,
  });
  if (!checked.ok || !checked.value) throw new KlingValidationError(checked.problems, `Item ${itemIndex}`);
  const options = this.getNodeParameter('options', itemIndex, {}) as {
    downloadAudio?: boolean;
    outputBinaryProperty?: string;
  };

  const record = await textToSpeech(this, { ...checked.value }, this.getExecutionCancelSignal());
  const audio = record.task_result?.audios?.[0];
  const createdAt = typeof record.created_at === 'number' ? record.created_at : Date.now();
  const durationSeconds = audio ? Number(audio.duration) : null;
  const output: INodeExecutionData = {
    json: {
      audioId: audio?.id ?? null,
      audioUrl: audio?.url ?? null,
      durationSeconds,
      // Long enough for an avatar video? Short texts can fall under the 2 s minimum.
      usableForAvatar:
        durationSeconds !== null &&
        durationSeconds >= LIMITS.audio.minDurationSeconds &&
        durationSeconds <= LIMITS.audio.maxDurationSeconds,
      audioIdExpiresAt: new Date(createdAt + LIMITS.audio.audioIdMaxAgeDays * 86_400_000).toISOString(),
      taskId: record.task_id,
      status: record.task_status,
      unitsCharged: record.final_unit_deduction === undefined ? null : Number(record.final_unit_deduction),
      task: record as unknown as INodeExecutionData['json'],
    },
    pairedItem: { item: itemIndex },
  };
  if (options.downloadAudio && audio?.url) {
    output.binary = {
      [options.outputBinaryProperty?.trim() || 'data']: await downloadToBinary(
        this,
        audio.url,
        `${audio.id}.mp3`,
        'audio/mpeg',
      ),
    };
  }
  return [output];
}
