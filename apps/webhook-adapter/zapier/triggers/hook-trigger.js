'use strict';
/**
 * REST-hook triggers (conventions §4.4): subscribe POSTs `{ target_url, event }` and keeps the answer
 * (`{ id, … }`) as `bundle.subscribeData`; unsubscribe DELETEs it; `perform` turns the delivery into
 * one item; `performList` returns real recent events, newest first, in the same shape.
 */
const { baseUrl, eventItem, sampleEvent, videoOutputFields } = require('../lib/common');

function hookTrigger({ key, noun, label, description, event, listType }) {
  return {
    key,
    noun,
    display: { label, description },
    operation: {
      type: 'hook',
      performSubscribe: async (z, bundle) => {
        const response = await z.request({
          url: `${baseUrl(bundle)}/v1/hooks`,
          method: 'POST',
          body: { target_url: bundle.targetUrl, event },
        });
        return response.data;
      },
      performUnsubscribe: async (z, bundle) => {
        const response = await z.request({
          url: `${baseUrl(bundle)}/v1/hooks/${encodeURIComponent(bundle.subscribeData.id)}`,
          method: 'DELETE',
          skipThrowForStatus: true,
        });
        // Already gone (e.g. removed after a 410 Gone) is fine.
        if (response.status >= 400 && response.status !== 404) {
          throw new z.errors.Error(
            `Unsubscribing failed: HTTP ${response.status}`,
            'unsubscribe_failed',
            response.status,
          );
        }
        return {};
      },
      perform: async (_z, bundle) => [eventItem(bundle.cleanedRequest)],
      performList: async (z, bundle) => {
        const response = await z.request({
          url: `${baseUrl(bundle)}/v1/events`,
          params: { limit: 25, ...(listType ? { type: listType } : {}) },
        });
        return response.data.data.map(eventItem);
      },
      sample: sampleEvent,
      outputFields: [
        { key: 'id', label: 'Event ID' },
        { key: 'event_type', label: 'Event Type' },
        { key: 'video_id', label: 'Video ID' },
        ...videoOutputFields.filter((field) => field.key !== 'id'),
      ],
    },
  };
}

module.exports = { hookTrigger };
