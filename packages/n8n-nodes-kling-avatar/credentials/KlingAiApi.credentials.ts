import type {
  IAuthenticateGeneric,
  ICredentialDataDecryptedObject,
  ICredentialTestRequest,
  ICredentialType,
  Icon,
  IHttpRequestHelper,
  INodeProperties,
} from 'n8n-workflow';
import { BASE_URLS, LIMITS, mintJwt, PATHS } from '../vendor/kling-avatar-core';

/**
 * The base URL as an n8n expression, for the credential test (node requests use `baseUrlOf` in
 * nodes/KlingAvatar/transport, which reads the same three fields).
 */
const BASE_URL_EXPRESSION =
  `={{ $credentials.region === 'custom' ? String($credentials.baseUrl || '').replace(/\\/+$/, '') : ` +
  `($credentials.region === 'beijing' ? '${BASE_URLS.beijing}' : '${BASE_URLS.singapore}') }}`;

export class KlingAiApi implements ICredentialType {
  name = 'klingAiApi';

  displayName = 'Kling AI API';

  icon: Icon = {
    light: 'file:../nodes/KlingAvatar/klingAvatar.svg',
    dark: 'file:../nodes/KlingAvatar/klingAvatar.dark.svg',
  };

  documentationUrl = 'https://github.com/kling-avatar-kit/n8n-nodes-kling-avatar#credentials';

  properties: INodeProperties[] = [
    {
      displayName: 'Authentication',
      name: 'authType',
      type: 'options',
      options: [
        {
          name: 'API Key',
          value: 'apiKey',
          description: 'One key from the Kling console, sent as a Bearer token',
        },
        {
          name: 'Access Key and Secret Key',
          value: 'accessKey',
          description: 'n8n signs a short-lived token (JWT) from the pair and renews it when it expires',
        },
      ],
      default: 'apiKey',
    },
    {
      displayName: 'API Key',
      name: 'apiKey',
      type: 'string',
      typeOptions: { password: true },
      default: '',
      required: true,
      displayOptions: { show: { authType: ['apiKey'] } },
    },
    {
      displayName: 'Access Key',
      name: 'accessKey',
      type: 'string',
      default: '',
      required: true,
      displayOptions: { show: { authType: ['accessKey'] } },
    },
    {
      displayName: 'Secret Key',
      name: 'secretKey',
      type: 'string',
      typeOptions: { password: true },
      default: '',
      required: true,
      displayOptions: { show: { authType: ['accessKey'] } },
    },
    {
      // Filled by preAuthentication, never typed by the user. `expirable` makes n8n call
      // preAuthentication again after a 401 (Kling answers 1004 once the token has expired).
      displayName: 'Session Token',
      name: 'sessionToken',
      type: 'hidden',
      typeOptions: { expirable: true, password: true },
      default: '',
    },
    {
      displayName: 'Region',
      name: 'region',
      type: 'options',
      options: [
        {
          name: 'Global (Singapore)',
          value: 'singapore',
          description: BASE_URLS.singapore,
        },
        {
          name: 'China (Beijing)',
          value: 'beijing',
          description: BASE_URLS.beijing,
        },
        {
          name: 'Custom Base URL',
          value: 'custom',
          description: 'A proxy, or the local Kling Avatar sandbox',
        },
      ],
      default: 'singapore',
    },
    {
      displayName: 'Base URL',
      name: 'baseUrl',
      type: 'string',
      default: '',
      placeholder: 'http://127.0.0.1:8787',
      required: true,
      description: 'Where Kling-compatible requests go, without a trailing path',
      displayOptions: { show: { region: ['custom'] } },
    },
    {
      displayName: 'Webhook Secret',
      name: 'webhookSecret',
      type: 'string',
      typeOptions: { password: true },
      default: '',
      placeholder: 'whsec_...',
      description:
        'Optional. The Webhook Secret from the Kling console. When set, the Kling Avatar Trigger accepts only callbacks signed with it (Standard Webhooks) and answers 401 to anything else.',
    },
  ];

  /**
   * Access key + secret key: mint the HS256 token with core's `mintJwt` (same claims and lifetime as
   * every other client in this project). With an API key there is nothing to mint.
   */
  async preAuthentication(this: IHttpRequestHelper, credentials: ICredentialDataDecryptedObject) {
    if (credentials.authType !== 'accessKey') return {};
    const { token } = mintJwt({
      accessKey: String(credentials.accessKey ?? ''),
      secretKey: String(credentials.secretKey ?? ''),
      nowSeconds: Math.floor(Date.now() / 1000),
      lifetimeSeconds: LIMITS.jwt.lifetimeSeconds,
    });
    return { sessionToken: token };
  }

  authenticate: IAuthenticateGeneric = {
    type: 'generic',
    properties: {
      headers: {
        Authorization:
          '={{ "Bearer " + ($credentials.authType === "accessKey" ? $credentials.sessionToken : $credentials.apiKey) }}',
      },
    },
  };

  /** The cheapest call there is: one task from the list (queries are free and use no concurrency). */
  test: ICredentialTestRequest = {
    request: {
      baseURL: BASE_URL_EXPRESSION,
      url: PATHS.avatarTasks,
      method: 'GET',
      qs: { pageNum: 1, pageSize: 1 },
    },
  };
}
