import { NodeApiError } from 'n8n-workflow';
import { describe, expect, it } from 'vitest';

import { execute as create } from '../../../../../nodes/KlingAvatar/v1/actions/avatar/create.operation';
import { execute } from '../../../../../nodes/KlingAvatar/v1/actions/avatar/get.operation';
import { router } from '../../../../../nodes/KlingAvatar/v1/actions/router';
import { createContext } from '../../../helpers/context';

async function seedTask(watermark = false) {
  const setup = createContext({
    parameters: {
      resource: 'avatar',
      operation: 'create',
      imageSource: 'url',
      imageUrl: 'https://cdn.example.com/p.png',
      audioSource: 'audioId',
      audioId: 'audio-1',
      mode: 'std',
      waitForCompletion: true,
      options: { pollInterval: 0.001, downloadVideo: false, externalTaskId: 'job-7', watermark },
    },
  });
  const [created] = await create.call(setup.context, 0);
  return { setup, taskId: String(created!.json.taskId) };
}

describe('avatar → get', () => {
  it('gets a task by task id and downloads the video and watermarked copy on request', async () => {
    const { setup, taskId } = await seedTask(true);
    const { context, kling, downloads } = createContext({
      parameters: {
        resource: 'avatar',
        operation: 'get',
        taskId: ` ${taskId} `,
        options: { downloadVideo: true, downloadWatermarked: true, outputBinaryProperty: 'video' },
      },
    });
    for (const [id, task] of setup.kling.tasks) kling.tasks.set(id, task);

    const [item] = await execute.call(context, 0);

    expect(kling.requests[0]!.path).toBe(`/v1/videos/avatar/image2video/${taskId}`);
    expect(item!.json).toMatchObject({ taskId, externalTaskId: 'job-7', status: 'succeed' });
    expect(Object.keys(item!.binary ?? {}).sort()).toEqual(['video', 'watermarked']);
    expect(downloads).toHaveLength(2);
    expect(item!.pairedItem).toEqual({ item: 0 });
  });

  it('gets a task by its external id, without downloading by default', async () => {
    const { setup } = await seedTask();
    const { context, kling, downloads } = createContext({
      parameters: { resource: 'avatar', operation: 'get', taskId: 'job-7', options: {} },
    });
    for (const [id, task] of setup.kling.tasks) kling.tasks.set(id, task);

    const [item] = await execute.call(context, 0);

    expect(item!.json.externalTaskId).toBe('job-7');
    expect(item!.binary).toBeUndefined();
    expect(downloads).toHaveLength(0);
  });

  it("maps Kling's 1203 to a NodeApiError for the item, or an error item when continuing", async () => {
    const failing = createContext({
      parameters: { resource: 'avatar', operation: 'get', taskId: 'nope', options: {} },
    });
    const error = await router.call(failing.context).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(NodeApiError);
    expect((error as NodeApiError).message).toMatch(
      /code 1203 — Requested resource does not exist: task not found: nope/,
    );
    expect((error as NodeApiError).httpCode).toBe('404');

    const continuing = createContext({
      parameters: { resource: 'avatar', operation: 'get', taskId: 'nope', options: {} },
      items: [{}, {}],
      continueOnFail: true,
    });
    const [output] = await router.call(continuing.context);
    expect(output).toEqual([
      expect.objectContaining({
        pairedItem: { item: 0 },
        json: expect.objectContaining({ klingCode: 1203 }),
      }),
      expect.objectContaining({
        pairedItem: { item: 1 },
        json: expect.objectContaining({ klingCode: 1203 }),
      }),
    ]);
  });
});
