'use strict';
/** Polling trigger for accounts without instant triggers: finished videos, newest first, deduped by id. */
const { baseUrl, sampleVideo, videoItem, videoOutputFields } = require('../lib/common');

module.exports = {
  key: 'new_finished_video',
  noun: 'Video',
  display: {
    label: 'New Finished Avatar Video (Polling)',
    description: 'Checks for newly finished avatar videos every few minutes.',
  },
  operation: {
    perform: async (z, bundle) => {
      const response = await z.request({
        url: `${baseUrl(bundle)}/v1/avatar-videos`,
        params: { status: 'succeeded', limit: 50 },
      });
      return response.data.data.map(videoItem);
    },
    sample: sampleVideo,
    outputFields: videoOutputFields,
  },
};
