import { KlingApiError, KlingTaskFailedError, KlingValidationError } from '@kling-avatar/core';
import { describe, expect, it } from 'vitest';
import { ManifestError } from '../engine/manifest.js';
import { describeError } from './describe-error.js';
import { UsageError } from './errors.js';

describe('describeError', () => {
  it('gives Kling errors one paragraph with code, request id and hint, and exit 1', () => {
    const error = new KlingApiError({
      statusCode: 429,
      code: 1102,
      apiMessage: 'resource pack exhausted',
      requestId: 'req-1',
    });
    const described = describeError(error);
    expect(described.exitCode).toBe(1);
    expect(described.text).toBe(
      'error: Kling code 1102 — Resource pack used up or expired: resource pack exhausted. Out of credits: your resource pack is used up or expired. Buy or renew a pack in the Kling console. (HTTP 429, request id req-1)',
    );
    expect(described.json).toMatchObject({ error: { kind: 'kling', code: 1102, requestId: 'req-1' } });
  });

  it('lists validation problems and names failed tasks', () => {
    const validation = describeError(
      new KlingValidationError(
        [{ path: 'image', code: 'image_too_small', message: 'image: too small' }],
        'Create request',
      ),
    );
    expect(validation.text).toMatch(/nothing was sent:\n {2}- image: too small/);
    const failed = describeError(
      new KlingTaskFailedError({ taskId: '42', taskStatusMessage: 'risk control' }),
    );
    expect(failed.text).toMatch(/^error: Kling task 42 failed: risk control\./);
  });

  it('uses exit 2 for usage errors and hides stacks unless --debug', () => {
    expect(describeError(new UsageError('bad flag'), { command: 'list' })).toMatchObject({
      exitCode: 2,
      text: 'error: bad flag\nSee `kling-avatar list --help`.',
    });
    const unexpected = describeError(new TypeError('boom'));
    expect(unexpected.text).toBe('error: unexpected failure: boom\nRun with --debug for details.');
    expect(describeError(new TypeError('boom'), { debug: true }).text).toMatch(/\n {4}at /);
    const manifest = describeError(
      new ManifestError('a.yml', [
        { file: 'a.yml', line: 3, column: 5, path: 'jobs', message: 'must be a list of jobs' },
      ]),
    );
    expect(manifest.text).toBe(
      'error: a.yml: 1 problem in the manifest:\n  a.yml:3:5  jobs: must be a list of jobs',
    );
  });
});
