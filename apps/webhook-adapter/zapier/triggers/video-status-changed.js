'use strict';
const { hookTrigger } = require('./hook-trigger');

module.exports = hookTrigger({
  key: 'video_status_changed',
  noun: 'Video',
  label: 'Avatar Video Status Changed',
  description:
    'Triggers on every status change: submitted, processing, succeeded or failed (instant, REST hook).',
  event: 'avatar_video.status_changed',
});
