/** Concurrency limit, persistence across restarts, and 30-day expiry on the sandbox clock. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createKlingAvatarClient } from '@kling-avatar/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { startSandbox } from '../../src/server/sandbox.js';
import { makeTestMedia, type TestMedia } from '../helpers.js';

let media: TestMedia;
beforeAll(() => {
  media = makeTestMedia();
});
const body = () => ({
  image: media.portraitPng.toString('base64'),
  sound_file: media.speechWav.toString('base64'),
});

describe('sandbox state', () => {
  it('answers 429/1303 while the concurrency limit is full, then accepts again', async () => {
    const sandbox = await startSandbox({ concurrency: 1, timings: { submittedMs: 100, processingMs: 100 } });
    try {
      const kling = createKlingAvatarClient({ baseURL: sandbox.url, apiKey: sandbox.credentials.apiKey });
      const first = await kling.createTask(body());
      const response = await fetch(`${sandbox.url}/v1/videos/avatar/image2video`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${sandbox.credentials.apiKey}`,
        },
        body: JSON.stringify(body()),
      });
      expect(response.status).toBe(429);
      expect(await response.json()).toMatchObject({
        code: 1303,
        message: 'parallel task over resource pack limit',
      });
      // The client backs off on 1303 and gets through once the first task ends.
      const patient = createKlingAvatarClient({
        baseURL: sandbox.url,
        apiKey: sandbox.credentials.apiKey,
        retry: { initialDelayMs: 200, maxRetries: 20 },
      });
      const second = await patient.createTask(body());
      expect(second.task_id).not.toBe(first.task_id);
    } finally {
      await sandbox.stop();
    }
  });

  it('counts only unfinished tasks against the limit, and holds many at once without listener warnings', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on('warning', onWarning);
    const sandbox = await startSandbox({
      concurrency: 30,
      timings: { submittedMs: 60_000, processingMs: 100 },
    });
    try {
      const kling = createKlingAvatarClient({
        baseURL: sandbox.url,
        apiKey: sandbox.credentials.apiKey,
        retry: { maxRetries: 0 },
      });
      for (let index = 0; index < 30; index++) await kling.createTask(body());
      await expect(kling.createTask(body())).rejects.toMatchObject({ code: 1303 });
    } finally {
      await sandbox.stop();
      process.off('warning', onWarning);
    }
    expect(warnings).not.toContain('MaxListenersExceededWarning');
  });

  it('keeps tasks and media in --data-dir across a restart, finishing interrupted tasks', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'sandbox-data-'));
    const options = { dataDir, apiKeys: ['persist-key'], timings: { submittedMs: 30, processingMs: 30 } };
    const first = await startSandbox({ ...options, port: 0 });
    const kling = createKlingAvatarClient({ baseURL: first.url, apiKey: 'persist-key' });
    const done = await kling.createAndWait({ ...body(), external_task_id: 'keep-1' }, { pollIntervalMs: 30 });
    const pending = await kling.createTask({ ...body(), external_task_id: 'keep-2' });
    await first.stop();

    const second = await startSandbox({ ...options, port: 0 });
    try {
      const again = createKlingAvatarClient({ baseURL: second.url, apiKey: 'persist-key' });
      expect((await again.getTask('keep-1')).task_id).toBe(done.task_id);
      // Media URLs carry the old port; the path still serves on the new server.
      const oldUrl = new URL(done.task_result!.videos![0]!.url);
      expect((await again.downloadVideoBytes(`${second.url}${oldUrl.pathname}`)).byteLength).toBeGreaterThan(
        1000,
      );
      const resumed = await again.waitForTask(pending.task_id, { pollIntervalMs: 30 });
      expect(resumed.task_status).toBe('succeed');
    } finally {
      await second.stop();
    }
  });

  it('treats tasks and audio older than 30 days as unknown', async () => {
    let offset = 0;
    const sandbox = await startSandbox({
      timings: { submittedMs: 10, processingMs: 10 },
      now: () => Date.now() + offset,
    });
    try {
      const kling = createKlingAvatarClient({ baseURL: sandbox.url, apiKey: sandbox.credentials.apiKey });
      const task = await kling.createAndWait(body(), { pollIntervalMs: 20 });
      const tts = await kling.createTts({ text: 'An audio id that will expire soon enough.', voice_id: 'v' });
      offset = 31 * 24 * 3600 * 1000;
      await expect(kling.getTask(task.task_id)).rejects.toMatchObject({ code: 1203 });
      const media = await fetch(task.task_result!.videos![0]!.url);
      expect(media.status).toBe(404);
      await expect(
        kling.createTask(
          { image: body().image, audio_id: tts.task_result!.audios![0]!.id },
          { validate: false },
        ),
      ).rejects.toMatchObject({ code: 1201, apiMessage: 'audio_id is invalid or expired' });
    } finally {
      await sandbox.stop();
    }
  });
});
