import { describe, expect, it } from 'vitest';
import { ManifestError, outputName, parseManifest, watermarkedOutputName } from './manifest.js';

const path = '/project/avatars.yml';

function issuesOf(text: string) {
  try {
    parseManifest(text, { path, displayPath: 'avatars.yml' });
  } catch (error) {
    if (error instanceof ManifestError) return error.issues;
    throw error;
  }
  throw new Error('expected a ManifestError');
}

describe('parseManifest', () => {
  it('applies defaults, resolves paths against the manifest folder and names jobs', () => {
    const manifest = parseManifest(
      [
        'defaults:',
        '  mode: pro',
        '  prompt: Smile',
        '  tts: { voice_id: oversea_male1, language: en }',
        'jobs:',
        '  - image: assets/a.png',
        '    audio: assets/welcome.wav',
        '  - name: hello',
        '    image: /abs/b.jpg',
        '    tts: { text: "Hello there, welcome to the show!" }',
        '    watermark: true',
        '    mode: std',
        '    output: clips/hello',
      ].join('\n'),
      { path },
    );
    expect(manifest.invalid).toEqual([]);
    expect(manifest.jobs).toHaveLength(2);
    const [first, second] = manifest.jobs;
    expect(first).toMatchObject({
      name: 'welcome',
      imagePath: '/project/assets/a.png',
      audio: { kind: 'file', path: '/project/assets/welcome.wav' },
      mode: 'pro',
      prompt: 'Smile',
      watermark: false,
      output: 'welcome.mp4',
      source: { line: 6, origin: 'manifest', index: 0 },
    });
    expect(second).toMatchObject({
      name: 'hello',
      imagePath: '/abs/b.jpg',
      audio: {
        kind: 'tts',
        tts: {
          text: 'Hello there, welcome to the show!',
          voiceId: 'oversea_male1',
          language: 'en',
          speed: 1,
        },
      },
      mode: 'std',
      watermark: true,
      output: 'clips/hello.mp4',
    });
    expect(second!.fieldLocations.mode?.line).toBe(12);
    expect(first!.fieldLocations.mode?.line).toBe(2); // from defaults
  });

  it('reports a bad job with file, line and job name, and keeps the good ones', () => {
    const manifest = parseManifest(
      [
        'jobs:',
        '  - name: good',
        '    image: a.png',
        '    audio: a.wav',
        '  - name: bad',
        '    image: b.png',
        '    audio: b.wav',
        '    mode: ultra',
      ].join('\n'),
      { path, displayPath: 'avatars.yml' },
    );
    expect(manifest.jobs.map((job) => job.name)).toEqual(['good']);
    expect(manifest.invalid).toHaveLength(1);
    expect(manifest.invalid[0]!.issues[0]).toMatchObject({
      file: 'avatars.yml',
      line: 8,
      column: 11,
      path: 'jobs[1].mode',
      job: 'jobs[1] (bad)',
      message: 'must be one of std, pro',
    });
  });

  it('points unknown fields at their own line and suggests the right name', () => {
    const manifest = parseManifest(
      ['jobs:', '  - image: a.png', '    audio: a.wav', '    ouput: x.mp4'].join('\n'),
      {
        path,
      },
    );
    expect(manifest.invalid[0]!.issues[0]).toMatchObject({
      line: 4,
      message: 'unknown field `ouput` (did you mean `output`?)',
    });
  });

  it('needs exactly one audio source per job', () => {
    const manifest = parseManifest(
      ['jobs:', '  - image: a.png', '  - image: b.png', '    audio: b.wav', '    audio_id: abc'].join('\n'),
      { path },
    );
    expect(manifest.invalid.map((entry) => entry.issues[0]!.message)).toEqual([
      'needs one of `audio` (a file), `audio_id` (from text to speech) or `tts` (text to speak)',
      'has `audio` and `audio_id`; give exactly one audio source',
    ]);
    expect(manifest.invalid[0]!.issues[0]!.line).toBe(2);
    expect(manifest.invalid[1]!.issues[0]!.line).toBe(5);
  });

  it('rejects duplicate job names on the second one', () => {
    const manifest = parseManifest(
      [
        'jobs:',
        '  - image: a.png',
        '    audio: x/welcome.wav',
        '  - image: b.png',
        '    audio: y/welcome.wav',
      ].join('\n'),
      { path },
    );
    expect(manifest.jobs).toHaveLength(1);
    expect(manifest.invalid[0]!.issues[0]).toMatchObject({
      line: 4,
      message: expect.stringContaining('same name as jobs[0]'),
    });
  });

  it('stops on YAML syntax errors with their line', () => {
    const issues = issuesOf(['jobs:', '  - image: a.png', '    audio: [unclosed'].join('\n'));
    expect(issues[0]).toMatchObject({ file: 'avatars.yml', message: expect.stringMatching(/^YAML syntax/) });
    expect(issues[0]!.line).toBeGreaterThanOrEqual(3);
  });

  it('stops on problems with the manifest as a whole', () => {
    expect(issuesOf('')[0]!.message).toMatch(/empty/);
    expect(issuesOf('jobs: []')[0]!.message).toMatch(/no jobs/);
    expect(issuesOf('jobs: nope')[0]).toMatchObject({
      line: 1,
      path: 'jobs',
      message: 'must be a list of jobs',
    });
    const typo = issuesOf(['defaults:', '  mode: std', 'job:', '  - image: a.png'].join('\n'));
    expect(typo[0]).toMatchObject({ line: 3, message: 'unknown field `job` (did you mean `jobs`?)' });
    expect(
      issuesOf(['defaults:', '  mode: fast', 'jobs:', '  - image: a.png', '    audio: a.wav'].join('\n'))[0],
    ).toMatchObject({
      line: 2,
      path: 'defaults.mode',
    });
  });

  it('reads JSON manifests with line numbers too', () => {
    const manifest = parseManifest(
      JSON.stringify(
        {
          jobs: [
            { image: 'a.png', audio: 'a.wav' },
            { image: 'b.png', audio: 'b.wav', watermark: 'yes' },
          ],
        },
        null,
        2,
      ),
      { path: '/project/avatars.json' },
    );
    expect(manifest.jobs).toHaveLength(1);
    expect(manifest.invalid[0]!.issues[0]).toMatchObject({
      line: 10,
      message: 'must be a boolean, not string "yes"',
    });
  });

  it('checks text-to-speech settings against the limits table', () => {
    const manifest = parseManifest(
      ['jobs:', '  - image: a.png', '    tts:', '      text: hi', '      voice_id: v', '      speed: 3'].join(
        '\n',
      ),
      { path },
    );
    expect(manifest.invalid[0]!.issues[0]).toMatchObject({ line: 6, message: 'must be between 0.8 and 2' });
    const missingVoice = parseManifest(['jobs:', '  - image: a.png', '    tts: { text: hello }'].join('\n'), {
      path,
    });
    expect(missingVoice.invalid[0]!.issues[0]!.message).toMatch(/voice_id/);
  });

  it('reads globs relative to the manifest', () => {
    const manifest = parseManifest('globs:\n  images: "img/*.png"\n  audio: ["a/*.wav", "a/*.mp3"]\n', {
      path,
    });
    expect(manifest.globs).toMatchObject({
      images: ['img/*.png'],
      audio: ['a/*.wav', 'a/*.mp3'],
      cwd: '/project',
    });
  });
});

describe('output names', () => {
  it('adds .mp4 and names the watermarked copy', () => {
    expect(outputName(undefined, 'welcome')).toBe('welcome.mp4');
    expect(outputName('clips/intro', 'x')).toBe('clips/intro.mp4');
    expect(watermarkedOutputName('clips/intro.mp4')).toBe('clips/intro.watermarked.mp4');
  });
});
