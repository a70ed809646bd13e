import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createWorkspace, type Workspace } from '../../test/helpers/workspace.js';
import { expandGlobs } from './globs.js';
import { ManifestError } from './manifest.js';

let workspace: Workspace;
beforeEach(async () => {
  workspace = await createWorkspace();
});
afterEach(() => workspace.remove());

describe('expandGlobs', () => {
  it('pairs images and audio by base name and reports files without a partner', async () => {
    await workspace.png('img/intro.png');
    await workspace.png('img/outro.png');
    await workspace.png('img/lonely.png');
    await workspace.wav('speech/intro.wav');
    await workspace.wav('speech/outro.wav');
    await workspace.wav('speech/orphan.wav');
    const result = await expandGlobs(
      { images: ['img/*.png'], audio: ['speech/*.wav'], cwd: workspace.dir },
      { mode: 'pro', watermark: true },
    );
    expect(result.jobs.map((job) => [job.name, job.output, job.mode, job.watermark])).toEqual([
      ['intro', 'intro.mp4', 'pro', true],
      ['outro', 'outro.mp4', 'pro', true],
    ]);
    expect(result.jobs[0]).toMatchObject({
      imagePath: workspace.path('img/intro.png'),
      audio: { kind: 'file', path: workspace.path('speech/intro.wav') },
    });
    expect(result.invalid.map((entry) => [entry.name, entry.issues[0]!.message])).toEqual([
      ['lonely', expect.stringContaining('has no audio named "lonely.*"')],
      ['orphan', expect.stringContaining('has no image named "orphan.*"')],
    ]);
  });

  it('uses a single matched image for every audio file', async () => {
    await workspace.png('presenter.png');
    await workspace.wav('a/one.wav');
    await workspace.wav('a/two words.wav');
    const result = await expandGlobs({ images: ['*.png'], audio: ['a/*.wav'], cwd: workspace.dir }, {});
    expect(result.jobs.map((job) => job.name)).toEqual(['one', 'two-words']);
    expect(new Set(result.jobs.map((job) => job.imagePath))).toEqual(
      new Set([workspace.path('presenter.png')]),
    );
  });

  it('refuses patterns that match nothing', async () => {
    await workspace.png('a.png');
    await expect(
      expandGlobs({ images: ['*.png'], audio: ['*.mp3'], cwd: workspace.dir }, {}),
    ).rejects.toThrow(ManifestError);
  });
});
