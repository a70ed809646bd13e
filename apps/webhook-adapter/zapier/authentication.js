'use strict';
const { baseUrl } = require('./lib/common');

/** Custom auth: the adapter's URL and an API key (sent as a Bearer token by `beforeRequest`). */
module.exports = {
  type: 'custom',
  fields: [
    {
      key: 'base_url',
      label: 'Adapter URL',
      required: true,
      type: 'string',
      helpText: 'Where your Kling Avatar webhook adapter runs, e.g. `https://avatar-adapter.example.com`.',
    },
    {
      key: 'api_key',
      label: 'API Key',
      required: true,
      type: 'password',
      helpText: 'One of the keys in ADAPTER_API_KEYS.',
    },
  ],
  test: async (z, bundle) => {
    const response = await z.request({ url: `${baseUrl(bundle)}/v1/me` });
    return response.data;
  },
  connectionLabel: '{{name}}',
};
