import { png, wav } from '@kling-avatar/test-media';
import { NodeApiError, NodeOperationError, sleep } from 'n8n-workflow';
import { describe, expect, it } from 'vitest';
import { execute, executeBatch } from '../../../../../nodes/KlingAvatar/v1/actions/avatar/create.operation';
import { router } from '../../../../../nodes/KlingAvatar/v1/actions/router';
import { createContext, type TestItem } from '../../../helpers/context';

const IMAGE = png(512, 640);
const AUDIO = wav(3, { sampleRate: 8000 });
const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

function mediaItem(): TestItem {
  return {
    binary: {
      data: { bytes: IMAGE, fileName: 'portrait.png', mimeType: 'image/png' },
      audio: { bytes: AUDIO, fileName: 'speech.wav', mimeType: 'audio/wav' },
    },
  };
}

function parameters(overrides: Record<string, unknown> = {}) {
  return {
    resource: 'avatar',
    operation: 'create',
    imageSource: 'binary',
    imageBinaryProperty: 'data',
    audioSource: 'binary',
    audioBinaryProperty: 'audio',
    prompt: '',
    mode: 'std',
    waitForCompletion: true,
    ...overrides,
    options: { pollInterval: 0.001, ...((overrides.options as object) ?? {}) },
  };
}

describe('avatar → create', () => {
  it('sends binary media as raw base64, waits, and downloads the video into binary', async () => {
    const { context, kling, downloads } = createContext({ parameters: parameters(), items: [mediaItem()] });

    const result = await execute.call(context, 0);

    expect(kling.creates).toHaveLength(1);
    const body = kling.creates[0]!.body!;
    expect(body.image).toBe(base64(IMAGE));
    expect(body.sound_file).toBe(base64(AUDIO));
    expect(body.mode).toBe('std');
    expect(body).not.toHaveProperty('audio_id');
    expect(body).not.toHaveProperty('prompt');
    expect(body.external_task_id).toBe('n8n-42-5f0c9a1eaaaa-r0-i0');
    // Looked up by external id before paying for a create.
    expect(kling.requests[0]).toMatchObject({
      method: 'GET',
      path: '/v1/videos/avatar/image2video/n8n-42-5f0c9a1eaaaa-r0-i0',
    });
    expect(kling.requests[0]!.url.startsWith('https://kling.test/v1/')).toBe(true);

    expect(result).toHaveLength(1);
    const [item] = result;
    expect(item!.pairedItem).toEqual({ item: 0 });
    expect(item!.json).toMatchObject({
      status: 'succeed',
      externalTaskId: 'n8n-42-5f0c9a1eaaaa-r0-i0',
      durationSeconds: 4,
      unitsCharged: 1.6,
      reusedExistingTask: false,
    });
    expect(item!.json.videoUrl).toMatch(/\.mp4$/);
    expect(downloads).toEqual([item!.json.videoUrl]);
    expect(item!.binary?.data).toMatchObject({ mimeType: 'video/mp4', fileName: `${item!.json.taskId}.mp4` });
    expect(context.helpers.assertBinaryData).toHaveBeenCalledWith(0, 'data');
    expect(context.helpers.getBinaryDataBuffer).toHaveBeenCalledWith(0, 'audio');
    // Read for the preflight, then again right before the create (nothing is held between the two).
    expect(context.helpers.getBinaryDataBuffer).toHaveBeenCalledTimes(4);
  });

  it('passes URLs, prompt, mode, watermark and callback through, and downloads both copies', async () => {
    const { context, kling, downloads } = createContext({
      parameters: parameters({
        imageSource: 'url',
        imageUrl: ' https://cdn.example.com/portrait.jpg ',
        audioSource: 'url',
        audioUrl: 'https://cdn.example.com/speech.mp3',
        prompt: 'smiles, nods',
        mode: 'pro',
        options: {
          watermark: true,
          downloadWatermarked: true,
          callbackUrl: 'https://n8n.example.com/webhook/abc/kling-avatar',
          externalTaskId: 'my-job-1',
          outputBinaryProperty: 'video',
        },
      }),
    });

    const [item] = await execute.call(context, 0);

    expect(kling.creates[0]!.body).toEqual({
      image: 'https://cdn.example.com/portrait.jpg',
      sound_file: 'https://cdn.example.com/speech.mp3',
      prompt: 'smiles, nods',
      mode: 'pro',
      watermark_info: { enabled: true },
      callback_url: 'https://n8n.example.com/webhook/abc/kling-avatar',
      external_task_id: 'my-job-1',
    });
    expect(Object.keys(item!.binary ?? {}).sort()).toEqual(['video', 'watermarked']);
    expect(downloads).toHaveLength(2);
    expect(item!.json.watermarkedVideoUrl).toMatch(/-wm\.mp4$/);
    expect(item!.json.unitsCharged).toBe(3.2);
  });

  it('normalises pasted base64 (data: prefix, line breaks) with core before sending', async () => {
    const encoded = base64(IMAGE);
    const { context, kling } = createContext({
      parameters: parameters({
        imageSource: 'base64',
        imageBase64: `data:image/png;base64,${encoded.slice(0, 20)}\n${encoded.slice(20)}`,
        audioSource: 'base64',
        audioBase64: base64(AUDIO),
      }),
    });

    await execute.call(context, 0);

    expect(kling.creates[0]!.body!.image).toBe(encoded);
  });

  it('makes the speech with text to speech first and uses its audio_id', async () => {
    const { context, kling } = createContext({
      parameters: parameters({
        audioSource: 'tts',
        ttsText: 'Hello from n8n, this is a Kling avatar speaking.',
        ttsVoiceId: 'oversea_male1',
        ttsLanguage: 'en',
        ttsSpeed: 1.24,
      }),
      items: [mediaItem()],
    });

    const [item] = await execute.call(context, 0);

    const tts = kling.requests.find((request) => request.path === '/v1/audio/tts');
    expect(tts?.body).toEqual({
      text: 'Hello from n8n, this is a Kling avatar speaking.',
      voice_id: 'oversea_male1',
      voice_language: 'en',
      voice_speed: 1.2,
    });
    const body = kling.creates[0]!.body!;
    expect(body.audio_id).toMatch(/^audio-/);
    expect(body).not.toHaveProperty('sound_file');
    expect(item!.json).toMatchObject({ audioId: body.audio_id, audioDurationSeconds: 4 });
  });

  it('stops before the create when text to speech made audio shorter than the avatar minimum', async () => {
    const { context, kling } = createContext({
      parameters: parameters({
        audioSource: 'tts',
        ttsText: 'Hi',
        ttsVoiceId: 'v',
        ttsLanguage: 'en',
        ttsSpeed: 1,
      }),
      items: [mediaItem()],
    });
    kling.ttsDuration = 1.2;

    await expect(execute.call(context, 0)).rejects.toThrow(/1\.2 s of audio; an avatar video needs 2–300 s/);
    expect(kling.creates).toHaveLength(0);
  });

  it('preflights every item before anything is paid for, naming the item, field, limit and fix', async () => {
    const items = [mediaItem(), mediaItem(), mediaItem()];
    items[1]!.binary!.data!.bytes = png(200, 900);
    const { context, kling } = createContext({ parameters: parameters(), items });

    const error = await executeBatch.call(context, [0, 1, 2]).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(NodeOperationError);
    const message = (error as NodeOperationError).message;
    expect(message).toContain('Item 1');
    expect(message).toMatch(/image: .*200.*300 ?px/s);
    expect(message).toContain('binary field "data" (portrait.png)');
    expect((error as NodeOperationError).context.itemIndex).toBe(1);
    expect(kling.requests).toHaveLength(0);
  });

  it('refuses a binary file over the size limit without reading it into memory', async () => {
    const item = mediaItem();
    item.binary!.audio!.reportedSize = 6 * 1024 * 1024;
    const { context, kling } = createContext({ parameters: parameters(), items: [item] });

    await expect(execute.call(context, 0)).rejects.toThrow(
      /sound_file: binary field "audio" \(speech\.wav\) is 6 MB .* over Kling's 5 MB/,
    );
    expect(context.helpers.getBinaryDataBuffer).not.toHaveBeenCalledWith(0, 'audio');
    expect(kling.requests).toHaveLength(0);
  });

  it('continues on failure: bad items become error items with pairedItem, good items still run', async () => {
    const items = [mediaItem(), mediaItem(), mediaItem()];
    items[0]!.binary!.audio!.bytes = wav(1, { sampleRate: 8000 });
    const { context, kling } = createContext({ parameters: parameters(), items, continueOnFail: true });

    const [output] = await router.call(context);

    expect(output).toHaveLength(3);
    expect(output!.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
    expect(output![0]!.json.error).toMatch(/Item 0.*sound_file: 1 s is shorter than the 2 s minimum/s);
    expect(output![0]!.json.problems).toEqual([
      expect.objectContaining({ path: 'sound_file', code: 'audio_duration' }),
    ]);
    expect(output![1]!.json.status).toBe('succeed');
    expect(output![2]!.json.status).toBe('succeed');
    expect(kling.creates).toHaveLength(2);
  });

  it('finds the task of an earlier run by its external id instead of paying again', async () => {
    const { context, kling } = createContext({ parameters: parameters(), items: [mediaItem()] });
    await execute.call(context, 0);
    expect(kling.creates).toHaveLength(1);

    const [again] = await execute.call(context, 0);

    expect(kling.creates).toHaveLength(1);
    expect(again!.json.reusedExistingTask).toBe(true);
    expect(again!.binary?.data).toBeDefined();
  });

  it('recovers a create whose answer was lost by looking the task up, never sending it twice', async () => {
    const { context, kling } = createContext({ parameters: parameters(), items: [mediaItem()] });
    kling.faults.push(
      () => undefined,
      (request) => (request.method === 'POST' ? 'drop-after-commit' : undefined),
    );

    const [item] = await execute.call(context, 0);

    expect(kling.creates).toHaveLength(1);
    expect(kling.tasks.size).toBe(1);
    expect(item!.json.reusedExistingTask).toBe(true);
    expect(item!.json.status).toBe('succeed');
  });

  it('says plainly when the account is out of credits, with code and request id, and does not retry', async () => {
    const { context, kling } = createContext({ parameters: parameters(), items: [mediaItem()] });
    kling.faults.push(
      () => undefined,
      () => ({
        status: 429,
        body: { code: 1102, message: 'resource pack exhausted', request_id: 'req-abc' },
      }),
    );

    const error = await router.call(context).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(NodeApiError);
    const apiError = error as NodeApiError;
    expect(apiError.message).toMatch(/Kling account problem \(code 1102\): Out of credits/);
    expect(apiError.description).toContain('req-abc');
    expect(apiError.httpCode).toBe('429');
    expect(apiError.context).toMatchObject({ itemIndex: 0, klingCode: 1102, requestId: 'req-abc' });
    expect(kling.creates).toHaveLength(1);
  });

  it("surfaces Kling's failure reason and the task id when a task fails", async () => {
    const { context, kling } = createContext({
      parameters: parameters(),
      items: [mediaItem()],
      continueOnFail: true,
    });
    kling.failNextTasks('content risk control triggered');

    const [output] = await router.call(context);

    expect(output![0]!.json.error).toMatch(/task \d+ failed: content risk control triggered/);
    expect(output![0]!.json.taskId).toMatch(/^\d+$/);
    expect(output![0]!.json.category).toBe('policy');
    expect(output![0]!.pairedItem).toEqual({ item: 0 });
  });

  it('returns at once with the task id when not waiting', async () => {
    const { context, kling, downloads } = createContext({
      parameters: parameters({ waitForCompletion: false }),
      items: [mediaItem()],
    });

    const [item] = await execute.call(context, 0);

    expect(item!.json).toMatchObject({ status: 'submitted', videoUrl: null });
    expect(item!.binary).toBeUndefined();
    expect(downloads).toHaveLength(0);
    expect(kling.requests.map((request) => request.method)).toEqual(['GET', 'POST']);
  });

  it('runs many items with bounded concurrency and keeps the input order', async () => {
    const items = Array.from({ length: 7 }, () => mediaItem());
    const { context, kling } = createContext({
      parameters: parameters({ options: { concurrency: 3 } }),
      items,
    });
    kling.pollsToFinish = 3;

    const [output] = await router.call(context);

    expect(kling.creates).toHaveLength(7);
    expect(kling.maxRunning).toBe(3);
    expect(output!.map((item) => item.pairedItem)).toEqual(items.map((_item, index) => ({ item: index })));
    expect(output!.map((item) => item.json.externalTaskId)).toEqual(
      items.map((_item, index) => `n8n-42-5f0c9a1eaaaa-r0-i${index}`),
    );
  });

  it('backs off on 1303 when the pack is full and waits for a free slot', async () => {
    const items = Array.from({ length: 3 }, () => mediaItem());
    const { context, kling } = createContext({
      parameters: parameters({ options: { concurrency: 3 } }),
      items,
    });
    kling.concurrencyLimit = 2;
    kling.pollsToFinish = 2;

    const [output] = await router.call(context);

    expect(output!.every((item) => item.json.status === 'succeed')).toBe(true);
    expect(kling.maxRunning).toBe(2);
    expect(kling.creates.length).toBeGreaterThan(3);
  });

  it('retries transient query errors by business code (5001)', async () => {
    const { context, kling } = createContext({ parameters: parameters(), items: [mediaItem()] });
    kling.faults.push(() => ({ status: 503, body: { code: 5001, message: 'maintenance', request_id: 'r' } }));

    const [item] = await execute.call(context, 0);

    expect(item!.json.status).toBe('succeed');
  }, 10_000);

  it('stops waiting at the timeout and says the task keeps running', async () => {
    const { context, kling } = createContext({
      parameters: parameters({ options: { timeout: 0.05, pollInterval: 0.01 } }),
      items: [mediaItem()],
    });
    kling.pollsToFinish = 1_000_000;

    const error = await router.call(context).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(NodeOperationError);
    expect((error as NodeOperationError).message).toMatch(/still processing after 0s; stopped waiting/);
    expect((error as NodeOperationError).description).toMatch(/keeps running/);
  });

  it('honours the execution cancel signal while waiting', async () => {
    const controller = new AbortController();
    const { context, kling } = createContext({
      parameters: parameters({ options: { pollInterval: 5 } }),
      items: [mediaItem()],
      signal: controller.signal,
    });
    kling.pollsToFinish = 1_000;
    const started = Date.now();

    const pending = router.call(context);
    void sleep(30).then(() => controller.abort());
    await expect(pending).rejects.toThrow(/cancelled/);
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
