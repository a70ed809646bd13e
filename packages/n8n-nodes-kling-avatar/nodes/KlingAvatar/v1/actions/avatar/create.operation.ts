import {
  type IBinaryKeyData,
  type IDataObject,
  type IExecuteFunctions,
  type INodeExecutionData,
  type INodeProperties,
  updateDisplayOptions,
} from 'n8n-workflow';

import {
  base64Value,
  binaryToBase64,
  downloadToBinary,
  type MediaField,
  type MediaValue,
  urlValue,
} from '../../../helpers/binary-data';
import { runPool } from '../../../helpers/concurrency';
import {
  type CreateTaskRequest,
  firstVideo,
  KlingValidationError,
  LIMITS,
  MODES,
  type Mode,
  type TaskRecord,
  TTS_LANGUAGES,
  type ValidationProblem,
  validateCreateTask,
  validateTtsRequest,
} from '../../../helpers/core';
import { errorJson, toNodeError } from '../../../helpers/error-handling';
import { defaultExternalTaskId } from '../../../helpers/external-id';
import type { AudioSource, CreateOptions, ImageSource, WaitSettings } from '../../../helpers/interfaces';
import { pollTask, waitSettings } from '../../../helpers/polling';
import { taskJson } from '../../../helpers/task-output';
import { createTaskOnce, findByExternalId, getTask, textToSpeech } from '../../../helpers/tasks';

export const DEFAULT_CONCURRENCY = 5;
const DEFAULT_POLL_SECONDS = 10;

const MODE_NAMES: Record<Mode, string> = { std: 'Standard (720p)', pro: 'Pro (1080p)' };

const properties: INodeProperties[] = [
  {
    displayName: 'Image Source',
    name: 'imageSource',
    type: 'options',
    noDataExpression: true,
    options: [
      { name: 'Base64', value: 'base64', description: 'Base64 text; a data: prefix is removed for you' },
      { name: 'Binary File', value: 'binary', description: 'A file from an earlier node (JPG or PNG)' },
      { name: 'URL', value: 'url', description: 'A public link Kling can download' },
    ],
    default: 'binary',
    description: `The portrait: JPG or PNG, at most 10 MB, both sides at least ${LIMITS.image.minSidePx} px, aspect ratio between 1:2.5 and 2.5:1`,
  },
  {
    displayName: 'Image Binary Field',
    name: 'imageBinaryProperty',
    type: 'string',
    default: 'data',
    required: true,
    hint: 'The name of the input binary field holding the portrait',
    displayOptions: { show: { imageSource: ['binary'] } },
  },
  {
    displayName: 'Image URL',
    name: 'imageUrl',
    type: 'string',
    default: '',
    required: true,
    placeholder: 'https://example.com/portrait.png',
    displayOptions: { show: { imageSource: ['url'] } },
  },
  {
    displayName: 'Image Base64',
    name: 'imageBase64',
    type: 'string',
    default: '',
    required: true,
    displayOptions: { show: { imageSource: ['base64'] } },
  },
  {
    displayName: 'Audio Source',
    name: 'audioSource',
    type: 'options',
    noDataExpression: true,
    options: [
      {
        name: 'Audio ID',
        value: 'audioId',
        description: 'An audio_id from the Text to Speech operation (valid for 30 days)',
      },
      { name: 'Base64', value: 'base64', description: 'Base64 text; a data: prefix is removed for you' },
      {
        name: 'Binary File',
        value: 'binary',
        description: 'A file from an earlier node (MP3, WAV, M4A or AAC)',
      },
      {
        name: 'Text to Speech',
        value: 'tts',
        description: 'Speak a text with a Kling voice first, then animate the portrait with it',
      },
      { name: 'URL', value: 'url', description: 'A public link Kling can download' },
    ],
    default: 'binary',
    description: `The speech: ${LIMITS.audio.minDurationSeconds}–${LIMITS.audio.maxDurationSeconds} seconds, at most 5 MB. The video is as long as the audio.`,
  },
  {
    displayName: 'Audio Binary Field',
    name: 'audioBinaryProperty',
    type: 'string',
    default: 'audio',
    required: true,
    hint: 'The name of the input binary field holding the speech',
    displayOptions: { show: { audioSource: ['binary'] } },
  },
  {
    displayName: 'Audio URL',
    name: 'audioUrl',
    type: 'string',
    default: '',
    required: true,
    placeholder: 'https://example.com/speech.mp3',
    displayOptions: { show: { audioSource: ['url'] } },
  },
  {
    displayName: 'Audio Base64',
    name: 'audioBase64',
    type: 'string',
    default: '',
    required: true,
    displayOptions: { show: { audioSource: ['base64'] } },
  },
  {
    displayName: 'Audio ID',
    name: 'audioId',
    type: 'string',
    default: '',
    required: true,
    description: 'The audioId output of the Text to Speech operation',
    displayOptions: { show: { audioSource: ['audioId'] } },
  },
  {
    displayName: 'Text',
    name: 'ttsText',
    type: 'string',
    typeOptions: { rows: 3 },
    default: '',
    required: true,
    description: `What the avatar says, at most ${LIMITS.tts.text.maxLength} characters. About 15 characters make one second; the video needs at least ${LIMITS.audio.minDurationSeconds} seconds.`,
    displayOptions: { show: { audioSource: ['tts'] } },
  },
  {
    displayName: 'Voice ID',
    name: 'ttsVoiceId',
    type: 'string',
    default: 'oversea_male1',
    required: true,
    description: "A voice from Kling's voice list, e.g. oversea_male1 (English)",
    displayOptions: { show: { audioSource: ['tts'] } },
  },
  {
    displayName: 'Voice Language',
    name: 'ttsLanguage',
    type: 'options',
    options: TTS_LANGUAGES.map((language) => ({
      name: language === 'en' ? 'English' : 'Chinese',
      value: language,
    })),
    default: 'en',
    description: 'Must match the voice',
    displayOptions: { show: { audioSource: ['tts'] } },
  },
  {
    displayName: 'Voice Speed',
    name: 'ttsSpeed',
    type: 'number',
    typeOptions: {
      minValue: LIMITS.tts.voiceSpeed.min,
      maxValue: LIMITS.tts.voiceSpeed.max,
      numberPrecision: LIMITS.tts.voiceSpeed.decimals,
    },
    // Literal defaults (n8n's lint wants them); test/unit/description.test.ts pins them to core's LIMITS.
    default: 1,
    displayOptions: { show: { audioSource: ['tts'] } },
  },
  {
    displayName: 'Prompt',
    name: 'prompt',
    type: 'string',
    typeOptions: { rows: 2 },
    default: '',
    placeholder: 'e.g. smiles warmly, nods while speaking, slow zoom in',
    description: `Optional actions, emotions and camera moves, at most ${LIMITS.prompt.maxLength} characters`,
  },
  {
    displayName: 'Mode',
    name: 'mode',
    type: 'options',
    options: MODES.map((mode) => ({ name: MODE_NAMES[mode], value: mode })),
    default: 'std',
    description: 'Standard costs 0.4 units per second of video, Pro 0.8',
  },
  {
    displayName: 'Wait for Completion',
    name: 'waitForCompletion',
    type: 'boolean',
    default: true,
    description:
      'Whether to wait until the video is ready (and download it). Off: return at once with the task ID, and fetch the result later with Get or the Kling Avatar Trigger.',
  },
  {
    displayName: 'Options',
    name: 'options',
    type: 'collection',
    placeholder: 'Add Option',
    default: {},
    options: [
      {
        displayName: 'Callback URL',
        name: 'callbackUrl',
        type: 'string',
        default: '',
        placeholder: 'https://your-n8n.example.com/webhook/…/kling-avatar',
        description:
          'Kling POSTs the task here on every status change. Paste the Production URL of a Kling Avatar Trigger node.',
      },
      {
        displayName: 'Concurrency',
        name: 'concurrency',
        type: 'number',
        typeOptions: { minValue: 1, maxValue: 100 },
        default: 5,
        description:
          "How many items' tasks run at Kling at once. Keep it at or below your resource pack's concurrency (Kling answers 1303 above it; the node then waits for a free slot).",
      },
      {
        displayName: 'Download Video',
        name: 'downloadVideo',
        type: 'boolean',
        default: true,
        description:
          'Whether to download the finished MP4 into a binary field (Kling deletes results after 30 days). Applies when waiting for completion.',
      },
      {
        displayName: 'Download Watermarked Copy',
        name: 'downloadWatermarked',
        type: 'boolean',
        default: false,
        description: 'Whether to also download the watermarked copy (needs Watermark on)',
      },
      {
        displayName: 'External Task ID',
        name: 'externalTaskId',
        type: 'string',
        default: '',
        description:
          'Your own ID for the task, unique in your Kling account. Default: one derived from this execution and item, so a retry of the same item finds its task instead of paying again.',
      },
      {
        displayName: 'Output Binary Field',
        name: 'outputBinaryProperty',
        type: 'string',
        default: 'data',
        description: 'The binary field to put the video in',
      },
      {
        displayName: 'Poll Interval (Seconds)',
        name: 'pollInterval',
        type: 'number',
        typeOptions: { minValue: 1 },
        default: 10,
        description: 'How often to ask Kling whether the video is ready (queries are free)',
      },
      {
        displayName: 'Timeout (Seconds)',
        name: 'timeout',
        type: 'number',
        typeOptions: { minValue: 10 },
        default: 900,
        description:
          'How long to wait for a video (and, when Kling says the pack is full, for a free slot). A timed-out task keeps running: Get it later by its ID, at no new cost.',
      },
      {
        displayName: 'Watermark',
        name: 'watermark',
        type: 'boolean',
        default: false,
        description: 'Whether Kling should also make a copy with its watermark',
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

const displayOptions = { show: { resource: ['avatar'], operation: ['create'] } };

export const description = updateDisplayOptions(displayOptions, properties);

/** One item's request, checked and ready; nothing has been sent or paid for yet. */
interface PreparedItem {
  itemIndex: number;
  body: CreateTaskRequest & { external_task_id: string };
  /** Text to speech to run first (its audio_id goes into `body`). */
  tts?: IDataObject;
  wait: boolean;
  settings: WaitSettings;
  download: { video: boolean; watermarked: boolean; property: string; watermarkedProperty: string };
  /**
   * Binary inputs are read again right before their create instead of being held from the preflight:
   * with many items, only the items in flight keep their media in memory.
   */
  binaryMedia: Array<{ field: MediaField; property: string }>;
}

/** Placeholder that lets core's validator check everything else before text to speech has run. */
const PENDING_AUDIO_ID = 'pending-text-to-speech';

function describeProblem(
  problem: ValidationProblem,
  origins: Partial<Record<string, string>>,
): ValidationProblem {
  const origin = origins[problem.path.split('.')[0] ?? ''];
  return origin ? { ...problem, message: `${problem.message} [${problem.path} from ${origin}]` } : problem;
}

async function readImage(context: IExecuteFunctions, itemIndex: number): Promise<MediaValue> {
  const source = context.getNodeParameter('imageSource', itemIndex) as ImageSource;
  if (source === 'binary') {
    const property = context.getNodeParameter('imageBinaryProperty', itemIndex) as string;
    return await binaryToBase64(context, itemIndex, property, 'image');
  }
  if (source === 'url') return urlValue(context.getNodeParameter('imageUrl', itemIndex) as string);
  return base64Value(context.getNodeParameter('imageBase64', itemIndex) as string);
}

/**
 * Read an item's parameters and media into a create body and run core's preflight on it (and on the
 * text-to-speech request): every problem is reported at once, naming the item, the field, the limit
 * and the fix, before anything is paid for.
 */
export async function prepareItem(context: IExecuteFunctions, itemIndex: number): Promise<PreparedItem> {
  const options = context.getNodeParameter('options', itemIndex, {}) as CreateOptions;
  const origins: Partial<Record<string, string>> = {};
  const problems: ValidationProblem[] = [];

  const binaryMedia: PreparedItem['binaryMedia'] = [];
  const image = await readImage(context, itemIndex);
  origins.image = image.origin;
  if (context.getNodeParameter('imageSource', itemIndex) === 'binary') {
    binaryMedia.push({
      field: 'image',
      property: context.getNodeParameter('imageBinaryProperty', itemIndex) as string,
    });
  }

  const body: CreateTaskRequest & { external_task_id: string } = {
    image: image.value,
    external_task_id: options.externalTaskId?.trim() || defaultExternalTaskId(context, itemIndex),
  };

  const audioSource = context.getNodeParameter('audioSource', itemIndex) as AudioSource;
  let tts: IDataObject | undefined;
  if (audioSource === 'binary') {
    const property = context.getNodeParameter('audioBinaryProperty', itemIndex) as string;
    const audio = await binaryToBase64(context, itemIndex, property, 'sound_file');
    body.sound_file = audio.value;
    origins.sound_file = audio.origin;
    binaryMedia.push({ field: 'sound_file', property });
  } else if (audioSource === 'url') {
    const audio = urlValue(context.getNodeParameter('audioUrl', itemIndex) as string);
    body.sound_file = audio.value;
    origins.sound_file = audio.origin;
  } else if (audioSource === 'base64') {
    const audio = base64Value(context.getNodeParameter('audioBase64', itemIndex) as string);
    body.sound_file = audio.value;
    origins.sound_file = audio.origin;
  } else if (audioSource === 'audioId') {
    body.audio_id = (context.getNodeParameter('audioId', itemIndex) as string).trim();
  } else {
    const checked = validateTtsRequest({
      text: context.getNodeParameter('ttsText', itemIndex) as string,
      voice_id: (context.getNodeParameter('ttsVoiceId', itemIndex) as string).trim(),
      voice_language: context.getNodeParameter('ttsLanguage', itemIndex) as string,
      voice_speed: context.getNodeParameter('ttsSpeed', itemIndex, LIMITS.tts.voiceSpeed.default) as number,
    });
    if (checked.ok && checked.value) tts = { ...checked.value };
    problems.push(
      ...checked.problems.map((problem) => ({ ...problem, message: `Text to speech: ${problem.message}` })),
    );
    body.audio_id = PENDING_AUDIO_ID;
  }

  const prompt = context.getNodeParameter('prompt', itemIndex, '') as string;
  if (prompt.trim()) body.prompt = prompt;
  body.mode = context.getNodeParameter('mode', itemIndex, LIMITS.mode.default) as Mode;
  if (options.watermark) body.watermark_info = { enabled: true };
  if (options.callbackUrl?.trim()) body.callback_url = options.callbackUrl.trim();

  const validation = validateCreateTask(body);
  problems.push(...validation.problems.map((problem) => describeProblem(problem, origins)));
  if (problems.length > 0) throw new KlingValidationError(problems, `Item ${itemIndex}`);
  if (body.audio_id === PENDING_AUDIO_ID) delete body.audio_id;
  for (const { field } of binaryMedia) body[field] = '';

  const wait = context.getNodeParameter('waitForCompletion', itemIndex, true) as boolean;
  return {
    itemIndex,
    body,
    tts,
    wait,
    settings: waitSettings({
      timeout: options.timeout,
      pollInterval: options.pollInterval ?? DEFAULT_POLL_SECONDS,
    }),
    download: {
      video: options.downloadVideo ?? true,
      watermarked: Boolean(options.watermark && options.downloadWatermarked),
      property: options.outputBinaryProperty?.trim() || 'data',
      watermarkedProperty: options.watermarkedBinaryProperty?.trim() || 'watermarked',
    },
    binaryMedia,
  };
}

/** Speak the text and put the audio_id into the body; the audio must fit the avatar's length limits. */
async function runTextToSpeech(context: IExecuteFunctions, item: PreparedItem, signal: AbortSignal) {
  if (!item.tts) return undefined;
  const record = await textToSpeech(context, item.tts, signal);
  const audio = record.task_result?.audios?.[0];
  if (!audio?.id) {
    throw new KlingValidationError(
      [
        {
          path: 'text',
          code: 'audio_id_invalid',
          message: `Text to speech (task ${record.task_id}) returned no audio.`,
        },
      ],
      `Item ${item.itemIndex}`,
    );
  }
  const seconds = Number(audio.duration);
  const { minDurationSeconds, maxDurationSeconds } = LIMITS.audio;
  if (Number.isFinite(seconds) && (seconds < minDurationSeconds || seconds > maxDurationSeconds)) {
    throw new KlingValidationError(
      [
        {
          path: 'text',
          code: 'audio_duration',
          message: `Text to speech made ${seconds} s of audio; an avatar video needs ${minDurationSeconds}–${maxDurationSeconds} s. ${
            seconds < minDurationSeconds
              ? 'Write a longer text (about 15 characters per second).'
              : 'Shorten the text.'
          } No video was created.`,
        },
      ],
      `Item ${item.itemIndex}`,
    );
  }
  item.body.audio_id = audio.id;
  return { audioId: audio.id, audioUrl: audio.url, audioDurationSeconds: seconds };
}

/** Download the results into binary fields, as the item's options ask. */
async function downloads(
  context: IExecuteFunctions,
  item: PreparedItem,
  task: TaskRecord,
): Promise<IBinaryKeyData> {
  const binary: IBinaryKeyData = {};
  const video = firstVideo(task);
  if (task.task_status !== 'succeed' || !video) return binary;
  if (item.download.video && video.url) {
    binary[item.download.property] = await downloadToBinary(
      context,
      video.url,
      `${task.task_id}.mp4`,
      'video/mp4',
    );
  }
  if (item.download.watermarked && video.watermark_url) {
    binary[item.download.watermarkedProperty] = await downloadToBinary(
      context,
      video.watermark_url,
      `${task.task_id}-watermarked.mp4`,
      'video/mp4',
    );
  }
  return binary;
}

/** Create (or find) one item's task, wait for it if asked, and build its output item. */
async function runItem(
  context: IExecuteFunctions,
  item: PreparedItem,
  signal: AbortSignal,
): Promise<INodeExecutionData> {
  const deadline = Date.now() + item.settings.timeoutMs;
  let task = await findByExternalId(context, item.body.external_task_id, signal);
  let reused = Boolean(task);
  let speech: IDataObject | undefined;
  if (!task) {
    for (const { field, property } of item.binaryMedia) {
      item.body[field] = (await binaryToBase64(context, item.itemIndex, property, field)).value;
    }
    speech = await runTextToSpeech(context, item, signal);
    const created = await createTaskOnce(context, item.body, { signal, deadline, lookupFirst: false });
    task = created.task;
    reused = created.reused;
    for (const { field } of item.binaryMedia) item.body[field] = '';
  }
  const taskId = task.task_id;
  if (item.wait && task.task_status !== 'succeed') {
    // Core's loop: a `failed` task throws with Kling's task_status_msg; a timeout leaves it running.
    task = await pollTask(
      (pollSignal) => getTask(context, taskId, pollSignal),
      taskId,
      item.settings,
      signal,
    );
  }
  const binary = item.wait ? await downloads(context, item, task) : {};
  const output: INodeExecutionData = {
    json: taskJson(task, { reusedExistingTask: reused, ...(speech ?? {}) }),
    pairedItem: { item: item.itemIndex },
  };
  if (Object.keys(binary).length > 0) output.binary = binary;
  return output;
}

/**
 * Create avatar videos for many items. Every item is preflighted first (a bad item fails before anything
 * is paid for, unless the node continues on failure); then up to `concurrency` items run at once, each
 * holding its slot from create until its video is done, which is how Kling counts concurrency (1303
 * above the pack's limit). Output items keep the input order and carry `pairedItem`.
 */
export async function executeBatch(
  this: IExecuteFunctions,
  itemIndexes: number[],
): Promise<INodeExecutionData[]> {
  const node = this.getNode();
  const continueOnFail = this.continueOnFail();
  const outputs: Array<INodeExecutionData | undefined> = new Array(itemIndexes.length);
  const prepared: Array<{ position: number; item: PreparedItem }> = [];

  for (let position = 0; position < itemIndexes.length; position++) {
    const itemIndex = itemIndexes[position]!;
    try {
      prepared.push({ position, item: await prepareItem(this, itemIndex) });
    } catch (error) {
      if (!continueOnFail) throw toNodeError(node, error, itemIndex);
      outputs[position] = { json: errorJson(error), pairedItem: { item: itemIndex } };
    }
  }

  const firstIndex = itemIndexes[0] ?? 0;
  const options = this.getNodeParameter('options', firstIndex, {}) as CreateOptions;
  const concurrency = Math.max(1, Math.floor(Number(options.concurrency) || DEFAULT_CONCURRENCY));

  let failedItemIndex = firstIndex;
  await runPool(
    prepared.length,
    concurrency,
    async (index, signal) => {
      const { position, item } = prepared[index]!;
      outputs[position] = await runItem(this, item, signal);
    },
    {
      signal: this.getExecutionCancelSignal(),
      onError: (index, error) => {
        const { position, item } = prepared[index]!;
        if (!continueOnFail) {
          failedItemIndex = item.itemIndex;
          return false;
        }
        outputs[position] = { json: errorJson(error), pairedItem: { item: item.itemIndex } };
        return true;
      },
    },
  ).catch((error: unknown) => {
    throw toNodeError(node, error, failedItemIndex);
  });

  return outputs.filter((output): output is INodeExecutionData => output !== undefined);
}

/** The single-item form every operation has (used by the router for one item, and by tests). */
export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<INodeExecutionData[]> {
  return await executeBatch.call(this, [itemIndex]);
}
