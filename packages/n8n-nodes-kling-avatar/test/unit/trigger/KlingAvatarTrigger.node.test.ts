import type { IDataObject, IHttpRequestOptions, IWebhookFunctions } from 'n8n-workflow';
import { describe, expect, it, vi } from 'vitest';
import { mockDeep } from 'vitest-mock-extended';

import { KlingAvatarTrigger, matchesEvent } from '../../../nodes/KlingAvatarTrigger/KlingAvatarTrigger.node';
import { webhookHeaders } from '../../../vendor/kling-avatar-core';
import { NODE } from '../helpers/context';
import { BASE_URL, FakeKling, type FakeTask } from '../helpers/fake-kling';

// Kling's published test vector key (API reference §5.1), built here rather than written out.
const SIGNING_KEY = `whsec_${Buffer.from(`${'testsecret'.repeat(3)}12`).toString('base64')}`;

function record(status: string, taskId = '867283741759100001'): IDataObject {
  const data: IDataObject = {
    task_id: taskId,
    task_status: status,
    task_status_msg: '',
    task_info: { external_task_id: 'job-1' },
    created_at: 1_800_000_000_000,
    updated_at: 1_800_000_005_000,
  };
  if (status === 'succeed') {
    data.task_result = { videos: [{ id: 'v1', url: `${BASE_URL}/media/${taskId}.mp4`, duration: '4.00' }] };
  }
  return data;
}

interface Delivery {
  body: IDataObject;
  secret?: string;
  sign?: 'valid' | 'wrong-secret' | 'none' | 'stale';
  parameters?: IDataObject;
  staticData?: IDataObject;
  deliveryId?: string;
}

function webhookContext(delivery: Delivery) {
  const raw = Buffer.from(JSON.stringify(delivery.body));
  const nowSeconds = Math.floor(Date.now() / 1000);
  let headers: Record<string, string> = { 'content-type': 'application/json' };
  if (delivery.sign !== 'none') {
    headers = {
      ...headers,
      ...webhookHeaders({
        secret:
          delivery.sign === 'wrong-secret'
            ? `whsec_${Buffer.from('another key entirely').toString('base64')}`
            : SIGNING_KEY,
        id: delivery.deliveryId ?? 'msg_1',
        timestampSeconds: delivery.sign === 'stale' ? nowSeconds - 3600 : nowSeconds,
        body: raw,
      }),
    };
  }
  const context = mockDeep<IWebhookFunctions>();
  const kling = new FakeKling(NODE);
  const response = { status: vi.fn(), json: vi.fn() };
  response.status.mockReturnValue(response);
  const staticData = delivery.staticData ?? {};
  const parameters: IDataObject = { event: 'finished', options: {}, ...delivery.parameters };
  context.getRequestObject.mockReturnValue({ rawBody: raw } as never);
  context.getHeaderData.mockReturnValue(headers);
  context.getBodyData.mockReturnValue(JSON.parse(raw.toString()));
  context.getResponseObject.mockReturnValue(response as never);
  context.getWorkflowStaticData.mockReturnValue(staticData);
  context.getNode.mockReturnValue(NODE);
  context.getNodeParameter.mockImplementation(
    ((name: string, fallback?: unknown) => parameters[name] ?? fallback) as never,
  );
  context.getCredentials.mockResolvedValue({
    authType: 'apiKey',
    apiKey: 'k',
    region: 'custom',
    baseUrl: BASE_URL,
    webhookSecret: delivery.secret ?? '',
  });
  context.helpers.httpRequestWithAuthentication.mockImplementation(
    (async (_type: string, request: IHttpRequestOptions) => await kling.handle(request)) as never,
  );
  context.helpers.httpRequest.mockResolvedValue({
    body: Buffer.from('mp4'),
    headers: { 'content-type': 'video/mp4' },
  });
  context.helpers.binaryToBuffer.mockImplementation((async (body: Buffer) => body) as never);
  context.helpers.prepareBinaryData.mockImplementation((async (
    buffer: Buffer,
    fileName?: string,
    mimeType?: string,
  ) => ({
    data: buffer.toString('base64'),
    fileName,
    mimeType: mimeType ?? '',
  })) as never);
  return { context, kling, response, staticData };
}

function seedTask(kling: FakeKling, body: IDataObject) {
  const task = { ...body, watermark_info: { enabled: false }, pollsLeft: 0, body: {} } as unknown as FakeTask;
  kling.tasks.set(String(body.task_id), task);
}

describe('Kling Avatar Trigger', () => {
  const trigger = new KlingAvatarTrigger();

  it('accepts a delivery signed with the credential secret, re-fetches the task and downloads the video', async () => {
    const body = record('succeed');
    const { context, kling } = webhookContext({
      body,
      secret: SIGNING_KEY,
      sign: 'valid',
      parameters: { options: { downloadVideo: true } },
    });
    seedTask(kling, body);

    const result = await trigger.webhook.call(context);

    const [[item]] = result.workflowData as never as [[{ json: IDataObject; binary?: IDataObject }]];
    expect(item.json).toMatchObject({
      taskId: body.task_id,
      status: 'succeed',
      delivery: { id: 'msg_1', verified: true },
    });
    expect(item.binary?.data).toMatchObject({ mimeType: 'video/mp4' });
    expect(kling.requests).toEqual([
      expect.objectContaining({ method: 'GET', path: `/v1/videos/avatar/image2video/${body.task_id}` }),
    ]);
  });

  it.each(['wrong-secret', 'none', 'stale'] as const)(
    'answers 401 to a delivery with a %s signature',
    async (sign) => {
      const { context, response, kling } = webhookContext({
        body: record('succeed'),
        secret: SIGNING_KEY,
        sign,
      });

      const result = await trigger.webhook.call(context);

      expect(result).toEqual({ noWebhookResponse: true });
      expect(response.status).toHaveBeenCalledWith(401);
      expect(response.json).toHaveBeenCalledWith(expect.objectContaining({ error: 'invalid signature' }));
      expect(kling.requests).toHaveLength(0);
    },
  );

  it('accepts unsigned deliveries when the credential has no webhook secret', async () => {
    const body = record('failed');
    const { context } = webhookContext({
      body,
      sign: 'none',
      parameters: { options: { refetchTask: false } },
    });

    const result = await trigger.webhook.call(context);

    const [[item]] = result.workflowData as never as [[{ json: IDataObject }]];
    expect(item.json).toMatchObject({ status: 'failed', delivery: { verified: false } });
  });

  it('ignores statuses the node does not trigger on, answering 200', async () => {
    const { context } = webhookContext({ body: record('processing'), sign: 'none' });

    const result = await trigger.webhook.call(context);

    expect(result.workflowData).toBeUndefined();
    expect(result.webhookResponse).toMatchObject({ ignored: 'status processing' });
  });

  it('starts the workflow once per delivery id (Kling retries keep the id)', async () => {
    const body = record('succeed');
    const staticData: IDataObject = {};
    const first = webhookContext({
      body,
      secret: SIGNING_KEY,
      sign: 'valid',
      staticData,
      parameters: { options: { refetchTask: false } },
    });
    const second = webhookContext({
      body,
      secret: SIGNING_KEY,
      sign: 'valid',
      staticData,
      parameters: { options: { refetchTask: false } },
    });

    expect((await trigger.webhook.call(first.context)).workflowData).toBeDefined();
    const repeated = await trigger.webhook.call(second.context);
    expect(repeated.workflowData).toBeUndefined();
    expect(repeated.webhookResponse).toMatchObject({ ignored: 'duplicate delivery' });
  });

  it('filters by event', () => {
    expect(
      ['submitted', 'processing', 'succeed', 'failed'].filter((status) => matchesEvent('finished', status)),
    ).toEqual(['succeed', 'failed']);
    expect(matchesEvent('succeeded', 'failed')).toBe(false);
    expect(matchesEvent('failed', 'failed')).toBe(true);
    expect(matchesEvent('any', 'submitted')).toBe(true);
  });

  it('implements the webhook lifecycle by recording the URL (Kling has no registration API)', async () => {
    const staticData: IDataObject = {};
    const hooks = {
      getWorkflowStaticData: () => staticData,
      getNodeWebhookUrl: () => 'https://n8n.example.com/webhook/abc/kling-avatar',
    } as never;
    const methods = trigger.webhookMethods.default;

    expect(await methods.checkExists.call(hooks)).toBe(false);
    expect(await methods.create.call(hooks)).toBe(true);
    expect(await methods.checkExists.call(hooks)).toBe(true);
    expect(await methods.delete.call(hooks)).toBe(true);
    expect(staticData).toEqual({});
  });
});
