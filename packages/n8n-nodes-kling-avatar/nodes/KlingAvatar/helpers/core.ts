/**
 * The one doorway to @kling-avatar/core. Its dependency-free "portable" build is vendored into
 * `dist/vendor/kling-avatar-core.js` at build time (scripts/vendor-core.mjs), so the node reuses core's
 * limits, validator, media inspection, error table, JWT minting, Standard Webhooks verification and
 * wait loop without a runtime dependency. The relative path is the same from the sources and from dist/.
 */

export type {
  CreateTaskRequest,
  Mode,
  RetryPolicy,
  TaskRecord,
  TaskVideo,
  TtsLanguage,
  TtsTaskRecord,
  ValidationProblem,
} from '../../../vendor/kling-avatar-core';
export {
  asTaskRecord,
  BASE_URLS,
  backoffDelay,
  createTaskIdempotently,
  DEFAULT_RETRY_POLICY,
  DEFAULT_WAIT,
  describeBytes,
  firstVideo,
  KLING_ERROR_CODES,
  KlingAbortError,
  KlingApiError,
  KlingAvatarError,
  KlingNetworkError,
  KlingTaskFailedError,
  KlingTimeoutError,
  KlingValidationError,
  LIMITS,
  MODES,
  normalizeBase64,
  PATHS,
  parseRetryAfter,
  retryClassOf,
  retryDelayFor,
  TTS_LANGUAGES,
  validateCreateTask,
  validateListQuery,
  validateTtsRequest,
  verifyWebhook,
  WebhookVerificationError,
  waitForTaskWith,
} from '../../../vendor/kling-avatar-core';
