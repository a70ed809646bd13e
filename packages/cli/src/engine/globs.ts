/**
 * Jobs from globs: images and audio files paired by base name (`intro.png` + `intro.wav` → job
 * `intro`). When the image pattern matches exactly one file, that portrait speaks every audio file.
 * Files left without a partner are reported as invalid jobs instead of being silently dropped.
 */
import { basename, extname, relative } from 'node:path';
import { glob } from 'tinyglobby';
import type { GlobSpec, InvalidJobEntry, JobDefaults, JobSpec, SourceLocation } from './manifest.js';
import { ManifestError, outputName } from './manifest.js';

export interface GlobJobs {
  jobs: JobSpec[];
  invalid: InvalidJobEntry[];
}

function stemOf(path: string): string {
  const base = basename(path);
  return base.slice(0, base.length - extname(base).length);
}

/** Base names can hold spaces or other characters; job names (and output files) keep to a safe set. */
function safeName(stem: string): string {
  const cleaned = stem.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[-._]+/, '');
  return cleaned || 'job';
}

async function match(patterns: string[], cwd: string): Promise<string[]> {
  const files = await glob(patterns, { cwd, absolute: true, onlyFiles: true, expandDirectories: false });
  return files.sort();
}

function groupByStem(files: string[]): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const file of files) {
    const stem = stemOf(file);
    groups.set(stem, [...(groups.get(stem) ?? []), file]);
  }
  return groups;
}

export async function expandGlobs(spec: GlobSpec, defaults: JobDefaults): Promise<GlobJobs> {
  const location: SourceLocation = spec.location ?? { file: '(command line)' };
  const show = (file: string) => relative(spec.cwd, file) || file;
  const [images, audio] = await Promise.all([match(spec.images, spec.cwd), match(spec.audio, spec.cwd)]);
  const empty: string[] = [];
  if (images.length === 0)
    empty.push(`images pattern ${spec.images.map((p) => `"${p}"`).join(', ')} matched no files`);
  if (audio.length === 0)
    empty.push(`audio pattern ${spec.audio.map((p) => `"${p}"`).join(', ')} matched no files`);
  if (empty.length > 0) {
    throw new ManifestError(
      location.file,
      empty.map((message) => ({
        ...location,
        path: 'globs',
        message: `${message} (relative to ${spec.cwd})`,
      })),
    );
  }

  const jobs: JobSpec[] = [];
  const invalid: InvalidJobEntry[] = [];
  const source = { ...location, origin: 'glob' as const };
  const makeJob = (name: string, imagePath: string, audioPath: string): JobSpec => ({
    name,
    imagePath,
    audio: { kind: 'file', path: audioPath },
    prompt: defaults.prompt,
    mode: defaults.mode ?? 'std',
    watermark: defaults.watermark ?? false,
    output: outputName(undefined, name),
    source,
    fieldLocations: {},
  });
  const fail = (name: string, message: string) =>
    invalid.push({
      name,
      source,
      issues: [{ ...location, path: 'globs', job: `${name} (from globs)`, message }],
    });

  const audioByStem = groupByStem(audio);
  if (images.length === 1) {
    const image = images[0]!;
    for (const [stem, files] of audioByStem) {
      const name = safeName(stem);
      if (files.length > 1)
        fail(name, `several audio files share the base name "${stem}": ${files.map(show).join(', ')}`);
      else jobs.push(makeJob(name, image, files[0]!));
    }
    return { jobs, invalid };
  }

  const imagesByStem = groupByStem(images);
  const stems = [...new Set([...imagesByStem.keys(), ...audioByStem.keys()])].sort();
  for (const stem of stems) {
    const name = safeName(stem);
    const imageFiles = imagesByStem.get(stem) ?? [];
    const audioFiles = audioByStem.get(stem) ?? [];
    if (imageFiles.length > 1) {
      fail(name, `several images share the base name "${stem}": ${imageFiles.map(show).join(', ')}`);
    } else if (audioFiles.length > 1) {
      fail(name, `several audio files share the base name "${stem}": ${audioFiles.map(show).join(', ')}`);
    } else if (imageFiles.length === 0) {
      fail(
        name,
        `audio ${show(audioFiles[0]!)} has no image named "${stem}.*" among ${spec.images.join(', ')}`,
      );
    } else if (audioFiles.length === 0) {
      fail(
        name,
        `image ${show(imageFiles[0]!)} has no audio named "${stem}.*" among ${spec.audio.join(', ')}`,
      );
    } else {
      jobs.push(makeJob(name, imageFiles[0]!, audioFiles[0]!));
    }
  }
  return { jobs, invalid };
}
