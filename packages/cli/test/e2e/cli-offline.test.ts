/**
 * The built command, run as a child process, for everything that needs no server: exit codes 0/1/2,
 * --json output, and no stack traces on user errors.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateCreateTask } from '@kling-avatar/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, examplesDir, runCli, STACK_FRAME } from '../helpers/run-cli.js';
import { createWorkspace, type Workspace } from '../helpers/workspace.js';

const requests = join(examplesDir, 'requests');
const request = (name: string) => join(requests, name);

interface ValidateJson {
  ok: boolean;
  files: { file: string; ok: boolean; problems: { code: string; path: string; message: string }[] }[];
}

let workspace: Workspace;
beforeAll(async () => {
  workspace = await createWorkspace();
});
afterAll(() => workspace.remove());

describe('kling-avatar validate (examples/requests)', () => {
  const cases: [file: string, exitCode: number, codes: string[]][] = [
    ['valid-file-refs.json', 0, []],
    ['valid-urls-audio-id.json', 0, []],
    ['data-uri-prefix.json', 1, ['base64_prefix']],
    ['too-small-image.json', 1, ['image_too_small']],
    ['both-audio-fields.json', 1, ['audio_source_count']],
    [
      'many-problems.json',
      1,
      ['image_aspect_ratio', 'audio_duration', 'mode_invalid', 'watermark_invalid', 'callback_url_invalid'],
    ],
    ['missing-file.json', 1, ['file_unreadable']],
  ];
  for (const [file, exitCode, codes] of cases) {
    it(`${file} → exit ${exitCode} ${codes.join(', ') || '(acceptable)'}`, async () => {
      const run = await runCli(['validate', '--json', request(file)]);
      expect(run.code, run.stderr).toBe(exitCode);
      const output = run.json<ValidateJson>();
      expect(output.ok).toBe(exitCode === 0);
      expect(output.files[0]!.problems.map((problem) => problem.code)).toEqual(codes);
      expect(run.stderr).not.toMatch(STACK_FRAME);
    });
  }

  it('prints every problem per file in text mode and fails when any file fails', async () => {
    const run = await runCli(['validate', request('valid-file-refs.json'), request('many-problems.json')]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /✓ .*valid-file-refs\.json: acceptable \(image PNG 480×600, sound_file WAV 3\.00 s/,
    );
    expect(run.stdout).toMatch(/✗ .*many-problems\.json: 5 problems/);
    expect(run.stdout).toContain('Kling would answer: 1201 "mode must be one of std, pro"');
    expect(run.stdout).toContain('1 of 2 files not acceptable');
  });

  it('exits 0 when every file is acceptable', async () => {
    const run = await runCli([
      'validate',
      request('valid-file-refs.json'),
      request('valid-urls-audio-id.json'),
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('all 2 files acceptable');
  });

  it('exits 2 for a request file that cannot be read, 1 for one that is not JSON', async () => {
    const missing = await runCli(['validate', join(workspace.dir, 'nope.json')]);
    expect(missing.code).toBe(2);
    expect(missing.stdout).toMatch(/cannot read .*nope\.json: no such file/);
    const broken = await workspace.write('broken.json', '{ "image": ');
    const run = await runCli(['validate', '--json', broken]);
    expect(run.code).toBe(1);
    expect(run.json<ValidateJson>().files[0]!.problems[0]!.code).toBe('body_invalid');
  });

  it('checks every base64 character, where the library default only samples a long value', async () => {
    const png = readFileSync(join(requests, 'media', 'portrait.png'));
    const image = Buffer.concat([png, Buffer.alloc(250_000)]).toString('base64');
    const at = [...Array(200).keys()]
      .map((index) => 60_000 + index * 1_009)
      .find(
        (position) =>
          validateCreateTask({
            image: `${image.slice(0, position)}!${image.slice(position + 1)}`,
            audio_id: 'a',
          }).ok,
      );
    const file = await workspace.write(
      'hidden-bad-char.json',
      JSON.stringify({ image: `${image.slice(0, at)}!${image.slice(at! + 1)}`, audio_id: 'a' }),
    );
    const run = await runCli(['validate', '--json', file]);
    expect(run.code).toBe(1);
    expect(run.json<ValidateJson>().files[0]!.problems[0]!.message).toContain(`"!" at character ${at}`);
  });

  it('exits 2 without arguments', async () => {
    const run = await runCli(['validate']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/missing required argument/);
  });
});

describe('kling-avatar inspect', () => {
  it('shows type, pixels, aspect, bytes and a ✓ line per limit', async () => {
    const run = await runCli([
      'inspect',
      join(requests, 'media/portrait.png'),
      join(requests, 'media/speech.wav'),
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('type      PNG image (detected from the content)');
    expect(run.stdout).toContain('pixels    480 × 600');
    expect(run.stdout).toContain('aspect    4:5 (0.80)');
    expect(run.stdout).toContain('✓ image width and height ≥ 300 px: 480 × 600 px');
    expect(run.stdout).toContain('✓ image aspect ratio 1:2.5 to 2.5:1');
    expect(run.stdout).toContain('type      WAV audio');
    expect(run.stdout).toContain('duration  3.00 s');
    expect(run.stdout).toContain('✓ audio duration 2–300 s: 3.00 s');
    expect(run.stdout).toContain('≈ 1.2 units std, 2.4 units pro');
  });

  it('marks limits that do not fit with ✗, names them and exits 1', async () => {
    const run = await runCli([
      'inspect',
      join(requests, 'media/small.png'),
      join(requests, 'media/blip.wav'),
    ]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /✗ image width and height ≥ 300 px: image: 200×200 px is below the 300 px minimum/,
    );
    expect(run.stdout).toMatch(/✗ audio duration 2–300 s: .*shorter than the 2 s minimum/);
  });

  it('answers --json, and exits 2 for unreadable files', async () => {
    const json = await runCli(['inspect', '--json', join(requests, 'media/banner.png')]);
    expect(json.code).toBe(1);
    const files = json.json<{
      files: { kind: string; width: number; checks: { limit: string; ok: boolean }[] }[];
    }>().files;
    expect(files[0]).toMatchObject({ kind: 'image', width: 1000 });
    expect(files[0]!.checks.find((check) => check.limit === 'image aspect ratio')?.ok).toBe(false);
    const missing = await runCli(['inspect', join(workspace.dir, 'nothing.png')]);
    expect(missing.code).toBe(2);
    expect(missing.stdout).toMatch(/cannot read .*: no such file/);
    const notMedia = await runCli(['inspect', request('README.md')]);
    expect(notMedia.code).toBe(1);
    expect(notMedia.stdout).toMatch(/not a recognised image or audio file/);
  });
});

describe('usage errors and credentials', () => {
  it('shows help with exit 0 and refuses unknown commands and options with exit 2', async () => {
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: kling-avatar');
    expect((await runCli(['frobnicate'])).code).toBe(2);
    const badOption = await runCli(['list', '--page', '0']);
    expect(badOption.code).toBe(2);
    expect(badOption.stderr).toMatch(/--page must be a whole number from 1 to 1000/);
    const badMode = await runCli(['create', '--image', 'a.png', '--audio', 'a.wav', '--mode', 'ultra']);
    expect(badMode.code).toBe(2);
    expect(badMode.stderr).toMatch(/Allowed choices are std, pro/);
  });

  it('explains missing credentials without a stack trace', async () => {
    const run = await runCli(['list']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/no Kling credentials/);
    expect(run.stderr).toMatch(/KLING_API_KEY/);
    expect(run.stderr).not.toMatch(STACK_FRAME);
    const half = await runCli(['get', 'abc'], { env: cleanEnv({ KLING_ACCESS_KEY: 'ak' }) });
    expect(half.code).toBe(2);
    expect(half.stderr).toMatch(/KLING_SECRET_KEY is not set/);
    const json = await runCli(['list', '--json']);
    expect(json.json()).toMatchObject({ ok: false, error: { kind: 'usage' } });
  });

  it('says which argument file cannot be read', async () => {
    const env = cleanEnv({ KLING_API_KEY: 'k', KLING_BASE_URL: 'http://127.0.0.1:9' });
    const run = await runCli(['create', '--image', 'missing.png', '--audio', 'missing.wav'], {
      env,
      cwd: workspace.dir,
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--image missing\.png: cannot read .*missing\.png: no such file/);
    expect(run.stderr).not.toMatch(STACK_FRAME);
    const both = await runCli(['create', '--image', 'a.png'], { env });
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--audio <file\|url> or --audio-id/);
    const badUrl = await runCli(['list'], {
      env: cleanEnv({ KLING_API_KEY: 'k', KLING_BASE_URL: 'localhost:8787' }),
    });
    expect(badUrl.code).toBe(2);
    expect(badUrl.stderr).toMatch(/KLING_BASE_URL "localhost:8787" is not an http\(s\) URL/);
  });

  it('refuses a local create that Kling would refuse, before sending anything', async () => {
    const env = cleanEnv({ KLING_API_KEY: 'k', KLING_BASE_URL: 'http://127.0.0.1:9' });
    const run = await runCli(
      ['create', '--image', join(requests, 'media/small.png'), '--audio', join(requests, 'media/speech.wav')],
      { env },
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/nothing was sent/);
    expect(run.stderr).toMatch(/200×200 px is below the 300 px minimum/);
    expect(run.stderr).not.toMatch(STACK_FRAME);
  });

  it('render: usage error without a manifest, manifest errors with file and line', async () => {
    const none = await runCli(['render'], { cwd: workspace.dir });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/nothing to render/);
    await workspace.write(
      'bad/avatars.yml',
      'defaults:\n  mode: fast\njobs:\n  - image: a.png\n    audio: a.wav\n',
    );
    const bad = await runCli(['render', '--manifest', 'bad/avatars.yml', '--dry-run'], {
      cwd: workspace.dir,
    });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('bad/avatars.yml:2:9  defaults.mode: must be one of std, pro');
    expect(bad.stderr).not.toMatch(STACK_FRAME);
  });

  it('render --dry-run prints the plan and estimate from the files alone', async () => {
    await workspace.png('plan/portrait.png');
    await workspace.wav('plan/hello.wav', 5);
    await workspace.png('plan/tiny.png', 100, 100);
    await workspace.write(
      'plan/avatars.yml',
      [
        'defaults: { mode: std }',
        'jobs:',
        '  - image: portrait.png',
        '    audio: hello.wav',
        '  - name: pro-copy',
        '    image: portrait.png',
        '    audio: hello.wav',
        '    mode: pro',
        '    watermark: true',
        '  - name: broken',
        '    image: tiny.png',
        '    audio: hello.wav',
      ].join('\n'),
    );
    // A base URL nobody listens on: a dry run must not need it (nor credentials).
    const env = cleanEnv({ KLING_API_KEY: 'k', KLING_BASE_URL: 'http://127.0.0.1:9' });
    const run = await runCli(['render', '--manifest', 'plan/avatars.yml', '--dry-run'], {
      cwd: workspace.dir,
      env,
    });
    expect(run.code).toBe(1); // one invalid job
    expect(run.stdout).toMatch(/hello\s+planned\s+std\s+5\.00 s\s+2\s+portrait\.png\s+hello\.wav/);
    expect(run.stdout).toMatch(/pro-copy\s+planned\s+pro\s+5\.00 s\s+4\s+/);
    expect(run.stdout).toMatch(/broken\s+INVALID/);
    expect(run.stdout).toContain('Estimate: 6 units for 2 jobs to render');
    expect(run.stderr).toMatch(/plan\/avatars\.yml:11 +image: 100×100 px is below the 300 px minimum/);
    const json = await runCli(
      ['render', '--manifest', 'plan/avatars.yml', '--dry-run', '--json', '--max-units', '3'],
      {
        cwd: workspace.dir,
        env,
      },
    );
    const report = json.json<{
      dryRun: boolean;
      jobs: { name: string; status: string }[];
      totals: Record<string, number>;
    }>();
    expect(report.dryRun).toBe(true);
    expect(report.jobs.map((job) => [job.name, job.status])).toEqual([
      ['hello', 'planned'],
      ['pro-copy', 'skipped-budget'],
      ['broken', 'invalid'],
    ]);
    expect(report.totals).toMatchObject({ estimatedUnits: 2, creates: 0 });
  });
});
