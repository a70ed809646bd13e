import { describe, expect, it } from 'vitest';

import { KlingAiApi } from '../../../credentials/KlingAiApi.credentials';
import { verifyJwt } from '../../../vendor/kling-avatar-core';

describe('Kling AI API credential', () => {
  const credential = new KlingAiApi();

  it('mints an HS256 JWT from the access key and secret key into the hidden expirable field', async () => {
    const result = await credential.preAuthentication.call({} as never, {
      authType: 'accessKey',
      accessKey: 'ak-test',
      secretKey: 'sk-test',
    });

    const token = String(result.sessionToken);
    const nowSeconds = Math.floor(Date.now() / 1000);
    const verified = verifyJwt(token, {
      secretForAccessKey: (accessKey) => (accessKey === 'ak-test' ? 'sk-test' : undefined),
      nowSeconds,
    });
    expect(verified.ok).toBe(true);
    if (verified.ok) {
      expect(verified.claims.iss).toBe('ak-test');
      expect(verified.claims.exp - nowSeconds).toBeGreaterThan(1700);
    }
    const field = credential.properties.find((property) => property.name === 'sessionToken');
    expect(field).toMatchObject({ type: 'hidden', typeOptions: { expirable: true, password: true } });
  });

  it('mints nothing for an API key', async () => {
    expect(await credential.preAuthentication.call({} as never, { authType: 'apiKey', apiKey: 'k' })).toEqual(
      {},
    );
  });

  it('sends the right bearer for each kind of credential', () => {
    const header = String(credential.authenticate.properties.headers?.Authorization);
    expect(header).toContain('$credentials.sessionToken');
    expect(header).toContain('$credentials.apiKey');
    expect(header.startsWith('={{')).toBe(true);
  });

  it('tests the credential with the cheapest call: one task from the list', () => {
    expect(credential.test.request).toMatchObject({
      url: '/v1/videos/avatar/image2video',
      method: 'GET',
      qs: { pageNum: 1, pageSize: 1 },
    });
    const baseURL = String(credential.test.request.baseURL);
    expect(baseURL).toContain('https://api-singapore.klingai.com');
    expect(baseURL).toContain('https://api-beijing.klingai.com');
    expect(baseURL).toContain('$credentials.baseUrl');
  });

  it('offers the two regions and a custom base URL, and marks every secret as a password', () => {
    const region = credential.properties.find((property) => property.name === 'region');
    expect(region?.options?.map((option) => (option as { value: string }).value)).toEqual([
      'singapore',
      'beijing',
      'custom',
    ]);
    for (const name of ['apiKey', 'secretKey', 'webhookSecret', 'sessionToken']) {
      expect(credential.properties.find((property) => property.name === name)?.typeOptions?.password).toBe(
        true,
      );
    }
  });
});
