/**
 * `@kling-avatar/sandbox`: a local Kling-compatible Avatar API that renders real MP4s.
 * `startSandbox()` runs the server (tests in every package use it); the renderer is exported too.
 */
export { runSandboxCommand, SANDBOX_HELP, type SandboxCommandFlags } from './command.js';
export {
  FFMPEG_ENV_VAR,
  FfmpegNotFoundError,
  type FfmpegResolution,
  type ResolveFfmpegOptions,
  resolveFfmpeg,
} from './render/ffmpeg-path.js';
export {
  type CloseOptions,
  type EnqueueOptions,
  type RenderJob,
  RenderQueue,
  type RenderQueueOptions,
} from './render/render-queue.js';
export {
  probeRenderInputs,
  type RenderAvatarVideoOptions,
  type RenderInputInfo,
  renderAvatarVideo,
  WATERMARK_FONT_CANDIDATES,
} from './render/render-video.js';
export { FfmpegError } from './render/run-ffmpeg.js';
export type { DeliveryAttempt } from './server/callback-dispatcher.js';
export {
  type FaultSpec,
  FaultSyntaxError,
  parseFaults,
  type SandboxCredentials,
  type SandboxOptions,
} from './server/options.js';
export { type Sandbox, type SandboxStats, startSandbox } from './server/sandbox.js';
