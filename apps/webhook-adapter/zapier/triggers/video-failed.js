'use strict';
const { hookTrigger } = require('./hook-trigger');

module.exports = hookTrigger({
  key: 'video_failed',
  noun: 'Video',
  label: 'Avatar Video Failed',
  description: 'Triggers when Kling could not render an avatar video (instant, REST hook).',
  event: 'avatar_video.failed',
  listType: 'avatar_video.failed',
});
