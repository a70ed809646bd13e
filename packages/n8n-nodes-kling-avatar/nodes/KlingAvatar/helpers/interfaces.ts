import type {
  IExecuteFunctions,
  IHookFunctions,
  ILoadOptionsFunctions,
  IWebhookFunctions,
} from 'n8n-workflow';

/** Every n8n context that can call Kling through the credential. */
export type KlingContext = IExecuteFunctions | IWebhookFunctions | ILoadOptionsFunctions | IHookFunctions;

export const CREDENTIAL_TYPE = 'klingAiApi';

export type ImageSource = 'binary' | 'url' | 'base64';
export type AudioSource = 'binary' | 'url' | 'base64' | 'audioId' | 'tts';

/** What the Create operation reads from an item's parameters (before any media is loaded). */
export interface CreateOptions {
  callbackUrl?: string;
  concurrency?: number;
  downloadVideo?: boolean;
  downloadWatermarked?: boolean;
  externalTaskId?: string;
  outputBinaryProperty?: string;
  pollInterval?: number;
  timeout?: number;
  watermark?: boolean;
  watermarkedBinaryProperty?: string;
}

/** Parameters of one Kling call's wait, in milliseconds. */
export interface WaitSettings {
  timeoutMs: number;
  pollIntervalMs: number;
}
