import { NodeOperationError } from 'n8n-workflow';
import { describe, expect, it } from 'vitest';

import { execute } from '../../../../../nodes/KlingAvatar/v1/actions/audio/textToSpeech.operation';
import { router } from '../../../../../nodes/KlingAvatar/v1/actions/router';
import { createContext } from '../../../helpers/context';

const parameters = (overrides: Record<string, unknown> = {}) => ({
  resource: 'audio',
  operation: 'textToSpeech',
  text: 'Welcome to the Kling avatar demo.',
  voiceId: 'oversea_male1',
  voiceLanguage: 'en',
  voiceSpeed: 1,
  options: {},
  ...overrides,
});

describe('audio → text to speech', () => {
  it('returns the audio id and URL for avatar videos', async () => {
    const { context, kling } = createContext({ parameters: parameters() });

    const [item] = await execute.call(context, 0);

    expect(kling.requests).toEqual([
      expect.objectContaining({
        method: 'POST',
        path: '/v1/audio/tts',
        body: {
          text: 'Welcome to the Kling avatar demo.',
          voice_id: 'oversea_male1',
          voice_language: 'en',
          voice_speed: 1,
        },
      }),
    ]);
    expect(item!.json).toMatchObject({
      audioId: expect.stringMatching(/^audio-/),
      audioUrl: expect.stringMatching(/\.mp3$/),
      durationSeconds: 4,
      usableForAvatar: true,
      unitsCharged: 0.05,
      audioIdExpiresAt: new Date(1_800_000_000_000 + 30 * 86_400_000).toISOString(),
    });
    expect(item!.pairedItem).toEqual({ item: 0 });
  });

  it('downloads the audio into binary on request', async () => {
    const { context, downloads } = createContext({
      parameters: parameters({ options: { downloadAudio: true, outputBinaryProperty: 'speech' } }),
    });

    const [item] = await execute.call(context, 0);

    expect(downloads).toHaveLength(1);
    expect(item!.binary?.speech).toBeDefined();
  });

  it("checks the text against core's limits before calling Kling", async () => {
    const { context, kling } = createContext({ parameters: parameters({ text: 'x'.repeat(1001) }) });

    const error = await router.call(context).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(NodeOperationError);
    expect((error as Error).message).toMatch(/text: 1001 characters is over the 1000-character limit/);
    expect(kling.requests).toHaveLength(0);
  });
});
