import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createWorkspace, type Workspace } from '../../test/helpers/workspace.js';
import { parseManifest } from './manifest.js';
import { estimateTtsSeconds, externalTaskIdFor, prepareJob } from './preflight.js';

let workspace: Workspace;
beforeEach(async () => {
  workspace = await createWorkspace();
});
afterEach(() => workspace.remove());

async function prepare(yaml: string) {
  const manifest = parseManifest(yaml, { path: workspace.path('avatars.yml'), displayPath: 'avatars.yml' });
  return Promise.all(
    manifest.jobs.map((job) => prepareJob(job, { outDir: workspace.path('out'), baseDir: workspace.dir })),
  );
}

describe('prepareJob', () => {
  it('inspects media, estimates units and derives a stable hash', async () => {
    await workspace.png('a.png');
    await workspace.wav('a.wav', 4.2);
    const yaml = 'jobs:\n  - image: a.png\n    audio: a.wav\n    mode: pro\n    watermark: true\n';
    const [job] = await prepare(yaml);
    expect(job!.problems).toEqual([]);
    expect(job!.audioSeconds).toBeCloseTo(4.2, 2);
    expect(job!.estimatedUnits).toBe(3.2); // round(4.2) = 4 s × 0.8
    expect(job!.image).toMatchObject({ format: 'png', width: 320, height: 400 });
    expect(job!.outputs).toEqual([workspace.path('out/a.mp4'), workspace.path('out/a.watermarked.mp4')]);
    const [again] = await prepare(yaml);
    expect(again!.hash).toBe(job!.hash);
    const [changed] = await prepare(yaml.replace('mode: pro', 'mode: std'));
    expect(changed!.hash).not.toBe(job!.hash);
    await workspace.wav('a.wav', 4.2, 440);
    const [newAudio] = await prepare(yaml);
    expect(newAudio!.hash).not.toBe(job!.hash);
  });

  it('reports every problem of a job with the manifest line', async () => {
    await workspace.png('small.png', 200, 200);
    await workspace.wav('short.wav', 1);
    const [job] = await prepare(
      ['jobs:', '  - image: small.png', '    audio: short.wav', `    prompt: "${'x'.repeat(2600)}"`].join(
        '\n',
      ),
    );
    expect(job!.problems.map((problem) => [problem.code, problem.path, problem.line])).toEqual([
      ['image_too_small', 'image', 2],
      ['audio_duration', 'audio', 3],
      ['prompt_too_long', 'prompt', 4],
    ]);
    expect(job!.problems[0]!.apiMessage).toBe('image width and height must be at least 300px');
  });

  it('reports missing files without crashing', async () => {
    const [job] = await prepare('jobs:\n  - image: nope.png\n    audio: nope.wav\n');
    expect(job!.problems.map((problem) => [problem.code, problem.path])).toEqual([
      ['file_unreadable', 'image'],
      ['file_unreadable', 'audio'],
    ]);
    expect(job!.problems[0]!.message).toMatch(/no such file/);
  });

  it('estimates text to speech from the text length and refuses too-short speech', async () => {
    await workspace.png('a.png');
    const text = 'A'.repeat(60); // 4 s at 15 characters per second
    const [ok, short] = await prepare(
      [
        'defaults: { tts: { voice_id: v, language: en } }',
        'jobs:',
        '  - name: ok',
        '    image: a.png',
        `    tts: { text: "${text}" }`,
        '  - name: short',
        '    image: a.png',
        '    tts: { text: "Hi" }',
      ].join('\n'),
    );
    expect(estimateTtsSeconds(text, 1)).toBe(4);
    expect(ok!.problems).toEqual([]);
    expect(ok!.estimatedUnits).toBe(1.65); // 4 s × 0.4 + 0.05 for the TTS call
    expect(short!.problems[0]).toMatchObject({ code: 'tts_duration', line: 8 });
  });

  it('makes external task ids from the hash', () => {
    expect(externalTaskIdFor('0123456789abcdef'.repeat(4), 0)).toBe('kav-0123456789abcdef0123456789abcdef');
    expect(externalTaskIdFor('0123456789abcdef'.repeat(4), 2)).toBe(
      'kav-0123456789abcdef0123456789abcdef-g2',
    );
  });
});
