import {
  type IDataObject,
  type IHookFunctions,
  type INodeExecutionData,
  type INodeType,
  type INodeTypeDescription,
  type IWebhookFunctions,
  type IWebhookResponseData,
  NodeConnectionTypes,
} from 'n8n-workflow';

import { downloadTaskVideos } from '../KlingAvatar/helpers/binary-data';
import {
  asTaskRecord,
  KlingAvatarError,
  type TaskRecord,
  verifyWebhook,
  WebhookVerificationError,
} from '../KlingAvatar/helpers/core';
import { CREDENTIAL_TYPE } from '../KlingAvatar/helpers/interfaces';
import { taskJson } from '../KlingAvatar/helpers/task-output';
import { getTask } from '../KlingAvatar/helpers/tasks';

type Event = 'finished' | 'succeeded' | 'failed' | 'any';

/** Which delivered statuses start the workflow. */
export function matchesEvent(event: Event, status: string): boolean {
  if (event === 'any') return true;
  if (event === 'succeeded') return status === 'succeed';
  if (event === 'failed') return status === 'failed';
  return status === 'succeed' || status === 'failed';
}

type HeaderMap = Record<string, string | string[] | undefined>;

type Verdict = { ok: true; id: string } | { ok: false; reason: string; message: string };

/** Core's Standard Webhooks check (constant-time, ±5 min tolerance, rotated secrets), as a value. */
export function verifyDelivery(secret: string, rawBody: Uint8Array | undefined, headers: HeaderMap): Verdict {
  if (!rawBody)
    return { ok: false, reason: 'no_raw_body', message: 'The raw request body is not available.' };
  try {
    const { id } = verifyWebhook({
      secret,
      headers,
      body: rawBody,
      nowSeconds: Math.floor(Date.now() / 1000),
    });
    return { ok: true, id };
  } catch (error) {
    return {
      ok: false,
      reason: error instanceof WebhookVerificationError ? error.reason : 'invalid',
      message: error instanceof Error ? error.message : String(error),
    };
  }
}

/** How many delivery ids are remembered to drop retried duplicates. */
const REMEMBERED_DELIVERIES = 200;

interface TriggerOptions {
  downloadVideo?: boolean;
  downloadWatermarked?: boolean;
  outputBinaryProperty?: string;
  refetchTask?: boolean;
  watermarkedBinaryProperty?: string;
}

export class KlingAvatarTrigger implements INodeType {
  description: INodeTypeDescription = {
    displayName: 'Kling Avatar Trigger',
    name: 'klingAvatarTrigger',
    icon: { light: 'file:../KlingAvatar/klingAvatar.svg', dark: 'file:../KlingAvatar/klingAvatar.dark.svg' },
    group: ['trigger'],
    version: 1,
    subtitle: '={{ "On " + $parameter["event"] + " avatar videos" }}',
    description: 'Starts the workflow when Kling calls back about an avatar video task',
    defaults: { name: 'Kling Avatar Trigger' },
    inputs: [],
    outputs: [NodeConnectionTypes.Main],
    credentials: [{ name: 'klingAiApi', required: true }],
    webhooks: [
      {
        name: 'default',
        httpMethod: 'POST',
        responseMode: 'onReceived',
        path: 'kling-avatar',
      },
    ],
    properties: [
      {
        displayName:
          "Kling has no API to register webhooks: copy this node's Production URL (above) into the Callback URL option of the Kling Avatar node's Create operation, and activate this workflow. With a Webhook Secret in the credential, only deliveries signed with it are accepted.",
        name: 'notice',
        type: 'notice',
        default: '',
      },
      {
        displayName: 'Trigger On',
        name: 'event',
        type: 'options',
        options: [
          {
            name: 'Any Status Change',
            value: 'any',
            description: 'Submitted, processing, succeeded and failed',
          },
          { name: 'Failed', value: 'failed', description: 'Only tasks that failed' },
          {
            name: 'Finished',
            value: 'finished',
            description: 'Tasks that succeeded or failed',
          },
          { name: 'Succeeded', value: 'succeeded', description: 'Only finished videos' },
        ],
        default: 'finished',
      },
      {
        displayName: 'Options',
        name: 'options',
        type: 'collection',
        placeholder: 'Add Option',
        default: {},
        options: [
          {
            displayName: 'Download Video',
            name: 'downloadVideo',
            type: 'boolean',
            default: false,
            description: 'Whether to download the finished MP4 into a binary field',
          },
          {
            displayName: 'Download Watermarked Copy',
            name: 'downloadWatermarked',
            type: 'boolean',
            default: false,
            description: 'Whether to also download the watermarked copy, when the task has one',
          },
          {
            displayName: 'Output Binary Field',
            name: 'outputBinaryProperty',
            type: 'string',
            default: 'data',
            description: 'The binary field to put the video in',
          },
          {
            displayName: 'Re-Fetch Task',
            name: 'refetchTask',
            type: 'boolean',
            default: true,
            description:
              'Whether to read the task from Kling before using it instead of trusting the callback body alone',
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
    ],
  };

  /**
   * Kling has no endpoint to register, list or delete callback URLs: the URL travels with each task as
   * `callback_url`. The lifecycle (required by n8n's lint for webhook triggers) therefore only records
   * which URL this node answers on, in the node's static data, so users and tests can read it back.
   */
  webhookMethods = {
    default: {
      async checkExists(this: IHookFunctions): Promise<boolean> {
        const staticData = this.getWorkflowStaticData('node');
        return staticData.webhookUrl === this.getNodeWebhookUrl('default');
      },
      async create(this: IHookFunctions): Promise<boolean> {
        const staticData = this.getWorkflowStaticData('node');
        staticData.webhookUrl = this.getNodeWebhookUrl('default');
        return true;
      },
      async delete(this: IHookFunctions): Promise<boolean> {
        const staticData = this.getWorkflowStaticData('node');
        delete staticData.webhookUrl;
        delete staticData.deliveries;
        return true;
      },
    },
  };

  async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
    const request = this.getRequestObject() as ReturnType<IWebhookFunctions['getRequestObject']> & {
      rawBody?: Uint8Array;
      readRawBody?: () => Promise<void>;
    };
    const credentials = await this.getCredentials(CREDENTIAL_TYPE);
    const secret = String(credentials.webhookSecret ?? '').trim();

    if (!request.rawBody && typeof request.readRawBody === 'function') await request.readRawBody();
    const rawBody = request.rawBody;

    let deliveryId: string | undefined;
    if (secret) {
      // Verify before parsing, over the exact bytes received (re-serialised JSON would not match).
      const verdict = verifyDelivery(secret, rawBody, this.getHeaderData() as HeaderMap);
      if (!verdict.ok) {
        this.logger.warn(`Kling Avatar Trigger rejected a delivery (${verdict.reason}): ${verdict.message}`);
        this.getResponseObject().status(401).json({ error: 'invalid signature', reason: verdict.reason });
        return { noWebhookResponse: true };
      }
      deliveryId = verdict.id;
    }

    const delivered = asTaskRecord(this.getBodyData());
    if (!delivered) {
      return { webhookResponse: { received: true, ignored: 'not an avatar task record' } };
    }

    const event = this.getNodeParameter('event', 'finished') as Event;
    if (!matchesEvent(event, delivered.task_status)) {
      return { webhookResponse: { received: true, ignored: `status ${delivered.task_status}` } };
    }

    // Kling retries deliveries with the same webhook-id: start the workflow once per delivery.
    if (deliveryId) {
      const staticData = this.getWorkflowStaticData('node');
      const seen = Array.isArray(staticData.deliveries) ? (staticData.deliveries as string[]) : [];
      if (seen.includes(deliveryId))
        return { webhookResponse: { received: true, ignored: 'duplicate delivery' } };
      staticData.deliveries = [...seen, deliveryId].slice(-REMEMBERED_DELIVERIES);
    }

    const options = this.getNodeParameter('options', {}) as TriggerOptions;
    let task: TaskRecord = delivered;
    if (options.refetchTask !== false) {
      try {
        task = await getTask(this, delivered.task_id);
      } catch (error) {
        // The delivery is still worth a run; say why the body was not confirmed.
        const message = KlingAvatarError.isInstance(error) ? error.message : String(error);
        this.logger.warn(`Kling Avatar Trigger could not re-fetch task ${delivered.task_id}: ${message}`);
      }
    }

    const binary = await downloadTaskVideos(this, task, options);

    const delivery: IDataObject = {
      id: deliveryId ?? null,
      verified: Boolean(deliveryId),
      status: delivered.task_status,
    };
    const item: INodeExecutionData = { json: taskJson(task, { delivery }) };
    if (Object.keys(binary).length > 0) item.binary = binary;
    return { workflowData: [[item]] };
  }
}
