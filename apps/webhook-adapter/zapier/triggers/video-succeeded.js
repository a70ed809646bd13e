'use strict';
const { hookTrigger } = require('./hook-trigger');

module.exports = hookTrigger({
  key: 'video_succeeded',
  noun: 'Video',
  label: 'Avatar Video Finished',
  description: 'Triggers when an avatar video has rendered successfully (instant, REST hook).',
  event: 'avatar_video.succeeded',
  listType: 'avatar_video.succeeded',
});
