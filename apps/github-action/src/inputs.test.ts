import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

// The default reader goes through @actions/core: mock it so tests set inputs like the runner does.
const inputs = new Map<string, string>();
vi.mock('@actions/core', () => ({
  getInput: vi.fn((name: string) => inputs.get(name) ?? ''),
}));

const { parseDuration, readSettings, readCredentials, readBaseUrl } = await import('./inputs.js');
const { ActionInputError } = await import('./errors.js');

let workspace: string;
const env = () => ({ GITHUB_WORKSPACE: workspace });

function setInputs(values: Record<string, string>) {
  inputs.clear();
  for (const [name, value] of Object.entries(values)) inputs.set(name, value);
}

function inputError(values: Record<string, string>): InstanceType<typeof ActionInputError> {
  setInputs(values);
  try {
    readSettings(undefined, env());
  } catch (error) {
    expect(error).toBeInstanceOf(ActionInputError);
    return error as InstanceType<typeof ActionInputError>;
  }
  throw new Error('expected an ActionInputError');
}

beforeAll(async () => {
  workspace = await mkdtemp(join(tmpdir(), 'kling-action-inputs-'));
  await mkdir(join(workspace, 'videos'));
  await writeFile(join(workspace, 'avatars.yml'), 'jobs: []\n');
  await writeFile(join(workspace, 'videos', 'team.yaml'), 'jobs: []\n');
});

afterAll(() => rm(workspace, { recursive: true, force: true }));

describe('readSettings', () => {
  it('finds avatars.yml and applies the documented defaults', () => {
    setInputs({ 'api-key': 'k' });
    const settings = readSettings(undefined, env());
    expect(settings).toMatchObject({
      workingDirectory: workspace,
      manifest: 'avatars.yml',
      images: [],
      credentials: { apiKey: 'k' },
      baseURL: 'https://api-singapore.klingai.com',
      concurrency: 5,
      dryRun: false,
      force: false,
      failOnError: true,
      prComment: true,
      releaseUpload: false,
      commentId: 'kling-avatar',
      jobDefaults: {},
    });
    expect(settings.maxUnits).toBeUndefined();
  });

  it('reads every setting, relative to working-directory', () => {
    setInputs({
      'working-directory': 'videos',
      manifest: 'team.yaml',
      'access-key': 'ak',
      'secret-key': 'sk',
      region: 'Beijing',
      'output-dir': 'rendered',
      'lock-file': 'team.lock.json',
      concurrency: '3',
      'max-units': '12.5',
      'dry-run': 'on',
      force: 'TRUE',
      'fail-on-error': 'no',
      'task-timeout': '20m',
      'poll-interval': '500ms',
      'pr-comment': 'off',
      'comment-id': 'team-videos',
      'release-upload': 'yes',
      'github-token': 'ghs_x',
    });
    expect(readSettings(undefined, env())).toMatchObject({
      workingDirectory: join(workspace, 'videos'),
      manifest: 'team.yaml',
      credentials: { accessKey: 'ak', secretKey: 'sk' },
      baseURL: 'https://api-beijing.klingai.com',
      outputDir: 'rendered',
      lockFile: 'team.lock.json',
      concurrency: 3,
      maxUnits: 12.5,
      dryRun: true,
      force: true,
      failOnError: false,
      taskTimeoutMs: 1_200_000,
      pollIntervalMs: 500,
      prComment: false,
      commentId: 'team-videos',
      releaseUpload: true,
      githubToken: 'ghs_x',
    });
  });

  it('takes multiline globs and job defaults when there is no manifest', () => {
    setInputs({
      images: 'portraits/*.png\n\n# comment\nportraits/{a,b}.jpg',
      audio: 'speech/*.wav',
      mode: 'PRO',
      prompt: 'Smiles',
      watermark: 'true',
    });
    const settings = readSettings(undefined, env());
    expect(settings.manifest).toBeUndefined();
    expect(settings.images).toEqual(['portraits/*.png', 'portraits/{a,b}.jpg']);
    expect(settings.jobDefaults).toEqual({ mode: 'pro', prompt: 'Smiles', watermark: true });
  });

  it.each([
    [{ 'working-directory': 'nope' }, 'working-directory', /is not a folder/],
    [{ manifest: 'missing.yml' }, 'manifest', /missing\.yml does not exist/],
    [{ images: '*.png' }, 'audio', /is required with "images"/],
    [{ audio: '*.wav' }, 'images', /is required with "audio"/],
    [{ concurrency: '0' }, 'concurrency', /whole number from 1 to 50/],
    [{ concurrency: '2.5' }, 'concurrency', /whole number/],
    [{ 'max-units': '-1' }, 'max-units', /number of units of 0 or more/],
    [{ 'dry-run': 'maybe' }, 'dry-run', /"maybe" is not a boolean/],
    [{ 'task-timeout': 'soon' }, 'task-timeout', /is not a duration; write e\.g\. 15m/],
    [{ mode: 'ultra' }, 'mode', /use std or pro/],
    [{ mode: 'pro' }, 'mode', /set `defaults\.mode` .* in the manifest/],
    [{ prompt: 'Hi' }, 'prompt', /with avatars\.yml, set `defaults\.prompt`/],
    [{ 'comment-id': 'has space' }, 'comment-id', /letters, digits/],
    [{ 'base-url': 'ftp://x' }, 'base-url', /not an http\(s\) URL/],
    [{ region: 'mars' }, 'region', /use singapore or beijing/],
  ])('rejects %j naming the input', (values, input, message) => {
    const error = inputError(values);
    expect(error.input).toBe(input);
    expect(error.message).toMatch(new RegExp(`^Input "${input}": `));
    expect(error.message).toMatch(message);
  });

  it('says what to do when nothing is configured', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'kling-action-empty-'));
    setInputs({});
    expect(() => readSettings(undefined, { GITHUB_WORKSPACE: empty })).toThrow(
      /Input "manifest": nothing to render: set "manifest" \(e\.g\. avatars\.yml\), or "images" and "audio"/,
    );
    await rm(empty, { recursive: true });
  });
});

describe('readCredentials', () => {
  const reader = (values: Record<string, string>) => (name: string) => values[name] ?? '';

  it('accepts an API key or a key pair, trimmed', () => {
    expect(readCredentials(reader({ 'api-key': '  key ' }))).toEqual({ apiKey: 'key' });
    expect(readCredentials(reader({ 'access-key': 'ak', 'secret-key': 'sk' }))).toEqual({
      accessKey: 'ak',
      secretKey: 'sk',
    });
    expect(readCredentials(reader({}))).toBeUndefined();
  });

  it('names the missing half of a pair, and refuses two kinds at once', () => {
    expect(() => readCredentials(reader({ 'access-key': 'ak' }))).toThrow(/^Input "secret-key": is required/);
    expect(() => readCredentials(reader({ 'secret-key': 'sk' }))).toThrow(/^Input "access-key": is required/);
    expect(() => readCredentials(reader({ 'api-key': 'k', 'access-key': 'ak' }))).toThrow(
      /^Input "access-key": is set together with "api-key"/,
    );
  });
});

describe('readBaseUrl', () => {
  it('prefers base-url (without trailing slashes) over region', () => {
    const read = (values: Record<string, string>) => readBaseUrl((name) => values[name] ?? '');
    expect(read({ 'base-url': 'http://127.0.0.1:8787/', region: 'beijing' })).toBe('http://127.0.0.1:8787');
    expect(read({ region: 'beijing' })).toBe('https://api-beijing.klingai.com');
  });
});

describe('parseDuration', () => {
  it.each([
    ['900', 900_000],
    ['90s', 90_000],
    ['15m', 900_000],
    ['1h', 3_600_000],
    ['500ms', 500],
    ['1.5s', 1500],
  ])('%s → %d ms', (text, milliseconds) => {
    expect(parseDuration(text)).toBe(milliseconds);
  });

  it.each(['', 'soon', '0', '-5s', '5 minutes'])('rejects %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});
