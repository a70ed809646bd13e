/**
 * Typed errors for every way a Kling call can fail, and the one table that maps Kling's business codes
 * (API reference §6) to HTTP status, category, retry class and a plain-words hint. The sandbox answers
 * from this table and the client decides retries from it, so the two cannot disagree.
 */

export type ErrorCategory =
  | 'auth'
  | 'account'
  | 'request'
  | 'policy'
  | 'rate_limit'
  | 'server'
  | 'network'
  | 'timeout'
  | 'cancelled'
  | 'task_failed'
  | 'validation'
  | 'webhook';

/** How the client treats a code: never retried, backed off, or a fresh JWT minted once. */
export type RetryClass = 'never' | 'backoff' | 'backoff-check-first' | 're-mint';

export interface KlingCodeInfo {
  httpStatus: number;
  category: ErrorCategory;
  retry: RetryClass;
  /** What the code means, in Kling's words (paraphrased). */
  meaning: string;
  /** What the user should do about it. */
  hint: string;
}

export const KLING_ERROR_CODES: Record<number, KlingCodeInfo> = {
  1000: {
    httpStatus: 401,
    category: 'auth',
    retry: 'never',
    meaning: 'Authentication failed',
    hint: 'Check the API key, or the access key and secret key, and that they belong to this region.',
  },
  1001: {
    httpStatus: 401,
    category: 'auth',
    retry: 'never',
    meaning: 'Authorization header is empty',
    hint: 'Send `Authorization: Bearer <API key or JWT>`.',
  },
  1002: {
    httpStatus: 401,
    category: 'auth',
    retry: 'never',
    meaning: 'Authorization header is invalid',
    hint: 'The header must be `Bearer <credential>` with one space.',
  },
  1003: {
    httpStatus: 401,
    category: 'auth',
    retry: 're-mint',
    meaning: 'Token not yet valid (nbf)',
    hint: "The machine's clock is ahead of Kling's; sync the clock (NTP).",
  },
  1004: {
    httpStatus: 401,
    category: 'auth',
    retry: 're-mint',
    meaning: 'Token expired (exp)',
    hint: "A fresh token is minted automatically; if this persists, sync the machine's clock.",
  },
  1100: {
    httpStatus: 429,
    category: 'account',
    retry: 'never',
    meaning: 'Account abnormal',
    hint: 'Your Kling account has a problem; contact Kling support. Retrying will not help.',
  },
  1101: {
    httpStatus: 429,
    category: 'account',
    retry: 'never',
    meaning: 'Account in arrears',
    hint: 'Your account is out of credit (post-paid arrears): top up in the Kling console. Retrying will not help.',
  },
  1102: {
    httpStatus: 429,
    category: 'account',
    retry: 'never',
    meaning: 'Resource pack used up or expired',
    hint: 'Out of credits: your resource pack is used up or expired. Buy or renew a pack in the Kling console.',
  },
  1103: {
    httpStatus: 403,
    category: 'account',
    retry: 'never',
    meaning: 'No permission for this API',
    hint: 'This account has no permission for the Avatar API; enable it in the Kling console.',
  },
  1200: {
    httpStatus: 400,
    category: 'request',
    retry: 'never',
    meaning: 'Invalid request parameters',
    hint: 'Send a JSON object body with `Content-Type: application/json`.',
  },
  1201: {
    httpStatus: 400,
    category: 'request',
    retry: 'never',
    meaning: 'Invalid key or value',
    hint: "Fix the field named in Kling's message.",
  },
  1202: {
    httpStatus: 404,
    category: 'request',
    retry: 'never',
    meaning: 'Invalid request method',
    hint: 'Use the documented HTTP method for this path.',
  },
  1203: {
    httpStatus: 404,
    category: 'request',
    retry: 'never',
    meaning: 'Requested resource does not exist',
    hint: 'Check the task id or external task id (tasks expire after 30 days).',
  },
  1300: {
    httpStatus: 400,
    category: 'policy',
    retry: 'never',
    meaning: 'Platform policy block',
    hint: "The request was blocked by Kling's platform policy.",
  },
  1301: {
    httpStatus: 400,
    category: 'policy',
    retry: 'never',
    meaning: 'Content-safety policy triggered',
    hint: "The image, audio or prompt tripped Kling's content-safety check; change the content, not the settings.",
  },
  1302: {
    httpStatus: 429,
    category: 'rate_limit',
    retry: 'backoff',
    meaning: 'Too many requests',
    hint: 'Slow down; the client backs off automatically.',
  },
  1303: {
    httpStatus: 429,
    category: 'rate_limit',
    retry: 'backoff',
    meaning: 'Concurrency above the resource pack limit',
    hint: 'Too many tasks are running at once for your pack; lower the concurrency or wait for tasks to finish.',
  },
  1304: {
    httpStatus: 429,
    category: 'account',
    retry: 'never',
    meaning: 'IP allow-list policy',
    hint: "This machine's IP address is not on the account's allow-list.",
  },
  5000: {
    httpStatus: 500,
    category: 'server',
    retry: 'backoff-check-first',
    meaning: 'Server error',
    hint: 'Kling had an internal error; the client retries after checking the task was not created.',
  },
  5001: {
    httpStatus: 503,
    category: 'server',
    retry: 'backoff',
    meaning: 'Service unavailable (maintenance)',
    hint: 'Kling is under maintenance; try again later.',
  },
  5002: {
    httpStatus: 504,
    category: 'server',
    retry: 'backoff-check-first',
    meaning: 'Internal timeout',
    hint: 'Kling is backlogged; the client retries after checking the task was not created.',
  },
};

export function describeKlingCode(code: number): KlingCodeInfo | undefined {
  return KLING_ERROR_CODES[code];
}

const ERROR_MARKER = Symbol.for('kling-avatar.error');

export interface KlingAvatarErrorOptions {
  category: ErrorCategory;
  statusCode?: number;
  code?: number;
  requestId?: string;
  taskId?: string;
  retryable?: boolean;
  hint?: string;
  url?: string;
  cause?: unknown;
}

/**
 * Base class of every error this project throws about Kling. `isInstance` works across duplicate package
 * copies (the marker is a registered symbol), so `instanceof` is not needed.
 */
export class KlingAvatarError extends Error {
  readonly [ERROR_MARKER] = true;
  /** Broad kind of failure; decide what to do from this or from `code`. */
  readonly category: ErrorCategory;
  /** HTTP status of Kling's answer, when there was one. */
  readonly statusCode?: number;
  /** Kling's business code (`1102`, `1303`…), when there was one. */
  readonly code?: number;
  /** Kling's `request_id`: quote it to Kling support. */
  readonly requestId?: string;
  readonly taskId?: string;
  /** Whether trying again later can succeed. */
  readonly retryable: boolean;
  /** What to do about it, in plain words. */
  readonly hint?: string;
  /** The request URL, without query secrets. */
  readonly url?: string;

  constructor(message: string, options: KlingAvatarErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'KlingAvatarError';
    this.category = options.category;
    this.statusCode = options.statusCode;
    this.code = options.code;
    this.requestId = options.requestId;
    this.taskId = options.taskId;
    this.retryable = options.retryable ?? false;
    this.hint = options.hint;
    this.url = options.url;
  }

  static isInstance(error: unknown): error is KlingAvatarError {
    return (
      typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[ERROR_MARKER] === true
    );
  }

  /** A plain object for logs and JSON output (no secrets are ever stored on errors). */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      message: this.message,
      category: this.category,
      statusCode: this.statusCode,
      code: this.code,
      requestId: this.requestId,
      taskId: this.taskId,
      retryable: this.retryable,
      hint: this.hint,
    };
  }
}

/** Kling answered with a non-zero business code. */
export class KlingApiError extends KlingAvatarError {
  /** Kling's own `message` text. */
  readonly apiMessage: string;
  /** Milliseconds from a `Retry-After` header, when Kling sent one. */
  readonly retryAfterMs?: number;

  constructor(options: {
    statusCode: number;
    code?: number;
    apiMessage: string;
    requestId?: string;
    taskId?: string;
    url?: string;
    retryAfterMs?: number;
  }) {
    const info = options.code === undefined ? undefined : KLING_ERROR_CODES[options.code];
    const category = info?.category ?? categoryFromStatus(options.statusCode);
    const codeText = options.code === undefined ? `HTTP ${options.statusCode}` : `code ${options.code}`;
    const meaning = info ? `${info.meaning}: ` : '';
    const hint = info?.hint ?? defaultHint(category);
    super(`Kling ${codeText} — ${meaning}${options.apiMessage}. ${hint}`, {
      category,
      statusCode: options.statusCode,
      code: options.code,
      requestId: options.requestId,
      taskId: options.taskId,
      retryable: info ? info.retry !== 'never' : options.statusCode >= 500 || options.statusCode === 429,
      hint,
      url: options.url,
    });
    this.name = 'KlingApiError';
    this.apiMessage = options.apiMessage;
    this.retryAfterMs = options.retryAfterMs;
  }

  /** How the client should retry this answer. */
  get retryClass(): RetryClass {
    const info = this.code === undefined ? undefined : KLING_ERROR_CODES[this.code];
    if (info) return info.retry;
    return this.retryable ? 'backoff' : 'never';
  }
}

/** The request never got an answer: connection refused or dropped, DNS, or the per-request timeout. */
export class KlingNetworkError extends KlingAvatarError {
  constructor(message: string, options: { url?: string; cause?: unknown; timedOut?: boolean }) {
    super(message, {
      category: options.timedOut ? 'timeout' : 'network',
      retryable: true,
      url: options.url,
      cause: options.cause,
      hint: 'Check the base URL and the network; the client retries automatically.',
    });
    this.name = 'KlingNetworkError';
  }
}

/** Waiting for a task ran past its time limit. The task itself may still finish: query it later. */
export class KlingTimeoutError extends KlingAvatarError {
  constructor(message: string, options: { taskId?: string; lastStatus?: string }) {
    super(message, {
      category: 'timeout',
      taskId: options.taskId,
      retryable: true,
      hint: 'The task keeps running on Kling; wait again or fetch it later by its task id (no new charge).',
    });
    this.name = 'KlingTimeoutError';
  }
}

/** The caller cancelled (AbortSignal). */
export class KlingAbortError extends KlingAvatarError {
  constructor(message = 'The operation was cancelled.', options: { taskId?: string; cause?: unknown } = {}) {
    super(message, { category: 'cancelled', taskId: options.taskId, cause: options.cause });
    this.name = 'KlingAbortError';
  }
}

/** The task ended as `failed`; `taskStatusMessage` is Kling's reason. */
export class KlingTaskFailedError extends KlingAvatarError {
  readonly taskStatusMessage: string;

  constructor(options: { taskId: string; taskStatusMessage: string; externalTaskId?: string }) {
    const reason = options.taskStatusMessage || 'no reason given';
    const contentSafety = /risk|safety|sensitive|moderation|violat/i.test(reason);
    const hint = contentSafety
      ? "Kling's content-safety check rejected the image, audio or prompt; change the content and create a new task."
      : 'Check the inputs; create a new task (with a new external_task_id) to try again.';
    super(`Kling task ${options.taskId} failed: ${reason}. ${hint}`, {
      category: contentSafety ? 'policy' : 'task_failed',
      taskId: options.taskId,
      hint,
    });
    this.name = 'KlingTaskFailedError';
    this.taskStatusMessage = reason;
  }
}

/** One problem found before anything was sent (and so before anything was paid for). */
export interface ProblemLike {
  path: string;
  code: string;
  message: string;
}

/** The request was rejected locally by preflight validation; nothing was sent to Kling. */
export class KlingValidationError extends KlingAvatarError {
  readonly problems: readonly ProblemLike[];

  constructor(problems: readonly ProblemLike[], context = 'Request') {
    const lines = problems.map((problem) => `  - ${problem.message}`).join('\n');
    super(
      `${context} is not acceptable to Kling (${problems.length} problem(s)); nothing was sent:\n${lines}`,
      {
        category: 'validation',
        hint: 'Fix the fields listed; each line names the limit.',
      },
    );
    this.name = 'KlingValidationError';
    this.problems = problems;
  }
}

function categoryFromStatus(status: number): ErrorCategory {
  if (status === 401) return 'auth';
  if (status === 403) return 'account';
  if (status === 429) return 'rate_limit';
  if (status >= 500) return 'server';
  return 'request';
}

function defaultHint(category: ErrorCategory): string {
  if (category === 'server') return 'Kling had a server problem; try again later.';
  if (category === 'rate_limit') return 'Slow down and try again.';
  return 'Check the request.';
}
