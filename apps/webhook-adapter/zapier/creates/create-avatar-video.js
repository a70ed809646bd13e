'use strict';
/**
 * Create action. Returns at once with the video record (Zapier gives an action 30 s); the finished video
 * arrives through the "Avatar Video Finished" trigger. Files come from Zapier as URLs and are passed as
 * `image_url` / `audio_url`: the adapter checks them with Kling's rules before anything is paid for.
 */
const { baseUrl, sampleVideo, videoItem, videoOutputFields } = require('../lib/common');

module.exports = {
  key: 'create_avatar_video',
  noun: 'Video',
  display: {
    label: 'Create Avatar Video',
    description: 'Starts a talking-avatar video from a portrait and speech (audio file or text to speech).',
  },
  operation: {
    inputFields: [
      {
        key: 'image',
        label: 'Portrait Image',
        type: 'file',
        required: true,
        helpText: 'JPG or PNG, at least 300×300 px, up to 10 MB.',
      },
      {
        key: 'audio',
        label: 'Speech Audio',
        type: 'file',
        required: false,
        helpText: 'MP3, WAV, M4A or AAC, 2–300 s, up to 5 MB. Or use Text to Speech below.',
      },
      {
        key: 'tts_text',
        label: 'Text to Speech',
        type: 'text',
        required: false,
        helpText: 'Used when no audio file is given (up to 1000 characters).',
      },
      { key: 'tts_voice_id', label: 'Voice ID', type: 'string', required: false, default: 'oversea_male1' },
      {
        key: 'tts_language',
        label: 'Voice Language',
        type: 'string',
        required: false,
        choices: { en: 'English', zh: 'Chinese' },
        default: 'en',
      },
      {
        key: 'prompt',
        label: 'Prompt',
        type: 'text',
        required: false,
        helpText: 'Actions, emotions, camera moves (up to 2500 characters).',
      },
      {
        key: 'mode',
        label: 'Mode',
        type: 'string',
        required: false,
        choices: { std: 'Standard (720p)', pro: 'Pro (1080p)' },
        default: 'std',
      },
      {
        key: 'watermark',
        label: 'Also Make a Watermarked Copy',
        type: 'boolean',
        required: false,
        default: 'false',
      },
      {
        key: 'client_reference',
        label: 'Your Reference',
        type: 'string',
        required: false,
        helpText: 'Echoed back on the video, e.g. a row id.',
      },
      {
        key: 'idempotency_key',
        label: 'Idempotency Key',
        type: 'string',
        required: false,
        helpText: 'Repeats with the same key return the same video instead of a new one.',
      },
    ],
    perform: async (z, bundle) => {
      const input = bundle.inputData;
      const body = { image_url: input.image };
      if (input.audio) body.audio_url = input.audio;
      else if (input.tts_text) {
        body.tts_text = input.tts_text;
        body.tts_voice_id = input.tts_voice_id || 'oversea_male1';
        body.tts_language = input.tts_language || 'en';
      } else {
        throw new z.errors.Error('Give either a Speech Audio file or Text to Speech.', 'missing_audio', 400);
      }
      for (const key of ['prompt', 'mode', 'client_reference']) if (input[key]) body[key] = input[key];
      if (input.watermark !== undefined && input.watermark !== '')
        body.watermark = String(input.watermark) === 'true';
      const response = await z.request({
        url: `${baseUrl(bundle)}/v1/avatar-videos`,
        method: 'POST',
        headers: input.idempotency_key ? { 'Idempotency-Key': input.idempotency_key } : {},
        body,
      });
      return videoItem(response.data);
    },
    sample: { ...sampleVideo, status: 'submitted', video_url: null, completed_at: null },
    outputFields: videoOutputFields,
  },
};
