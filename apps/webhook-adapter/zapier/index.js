'use strict';
/**
 * Example Zapier Platform app for the Kling Avatar webhook adapter. Deploy with the Zapier CLI from
 * this folder (`zapier push`); see ../README.md, "Zapier".
 */
const zapier = require('zapier-platform-core');
const authentication = require('./authentication');
const { addApiKey, handleErrors } = require('./lib/common');
const createAvatarVideo = require('./creates/create-avatar-video');
const newFinishedVideo = require('./triggers/new-finished-video');
const videoFailed = require('./triggers/video-failed');
const videoStatusChanged = require('./triggers/video-status-changed');
const videoSucceeded = require('./triggers/video-succeeded');

module.exports = {
  version: require('./package.json').version,
  platformVersion: zapier.version,
  authentication,
  beforeRequest: [addApiKey],
  afterResponse: [handleErrors],
  triggers: {
    [videoSucceeded.key]: videoSucceeded,
    [videoFailed.key]: videoFailed,
    [videoStatusChanged.key]: videoStatusChanged,
    [newFinishedVideo.key]: newFinishedVideo,
  },
  creates: {
    [createAvatarVideo.key]: createAvatarVideo,
  },
};
