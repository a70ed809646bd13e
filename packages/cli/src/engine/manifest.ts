/**
 * Batch manifests (`avatars.yml`, or the same shape as JSON): parsed with `yaml` so every problem can
 * name the file, line and job; checked with zod. Problems inside one job make only that job invalid
 * (the others still render); problems with the manifest as a whole stop the run.
 *
 * ```yaml
 * defaults: { mode: std, prompt: "Friendly, looks at the camera", tts: { voice_id: oversea_male1, language: en } }
 * jobs:
 *   - name: welcome
 *     image: assets/presenter.png
 *     audio: assets/welcome.wav
 *     watermark: true
 *   - image: assets/presenter-square.jpg
 *     tts: { text: "Hello there!" }
 *     output: hello.mp4
 * globs: { images: "portraits/*.png", audio: "speech/*.wav" }
 * ```
 */
import { readFile } from 'node:fs/promises';
import { basename, dirname, extname, relative, resolve } from 'node:path';
import { LIMITS, MODES, type Mode, TTS_LANGUAGES, type TtsLanguage } from '@kling-avatar/core';
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import { z } from 'zod';

/** Where something is written: file, 1-based line and column. */
export interface SourceLocation {
  file: string;
  line?: number;
  column?: number;
}

export interface ManifestIssue extends SourceLocation {
  /** Dotted path inside the manifest, e.g. `jobs[1].mode`. */
  path: string;
  /** Job label (`jobs[1] (welcome)`), when the issue belongs to one job. */
  job?: string;
  message: string;
}

/** The manifest as a whole cannot be used; `issues` lists every problem with its line. */
export class ManifestError extends Error {
  readonly issues: ManifestIssue[];
  readonly summary: string;

  constructor(file: string, issues: ManifestIssue[]) {
    const lines = issues.map((issue) => `  ${formatIssue(issue)}`).join('\n');
    const summary = `${file}: ${issues.length === 1 ? '1 problem' : `${issues.length} problems`} in the manifest`;
    super(`${summary}:\n${lines}`);
    this.name = 'ManifestError';
    this.summary = summary;
    this.issues = issues;
  }
}

export function formatLocation(location: SourceLocation): string {
  if (location.line === undefined) return location.file;
  return `${location.file}:${location.line}${location.column === undefined ? '' : `:${location.column}`}`;
}

export function formatIssue(issue: ManifestIssue): string {
  const where = issue.job ? `${issue.job} ` : '';
  const path =
    issue.path && !issue.job
      ? `${issue.path}: `
      : issue.path
        ? `${issue.path.replace(/^jobs\[\d+\]\.?/, '') || 'job'}: `
        : '';
  return `${formatLocation(issue)}  ${where}${path}${issue.message}`;
}

/** Text-to-speech source for a job: Kling speaks `text` and the job uses the resulting `audio_id`. */
export interface TtsSpec {
  text: string;
  voiceId: string;
  language: TtsLanguage;
  speed: number;
}

export type AudioSpec =
  | { kind: 'file'; path: string }
  | { kind: 'audio_id'; audioId: string }
  | { kind: 'tts'; tts: TtsSpec };

/** One render job after defaults were applied and paths resolved (absolute). */
export interface JobSpec {
  name: string;
  imagePath: string;
  audio: AudioSpec;
  prompt?: string;
  mode: Mode;
  watermark: boolean;
  /** Output file for the clean video, relative to the output folder (`welcome.mp4`). */
  output: string;
  /** Where the job is defined: a manifest line, or the glob that produced it. */
  source: SourceLocation & { origin: 'manifest' | 'glob'; index?: number };
  /** Line of each field, so preflight problems can point at `prompt:` or `audio:` too. */
  fieldLocations: Partial<Record<JobField, SourceLocation>>;
}

export type JobField =
  | 'image'
  | 'audio'
  | 'audio_id'
  | 'tts'
  | 'prompt'
  | 'mode'
  | 'watermark'
  | 'output'
  | 'name';

/** A job entry the manifest defines but that is unusable; it is reported, the rest still run. */
export interface InvalidJobEntry {
  name: string;
  source: SourceLocation & { origin: 'manifest' | 'glob'; index?: number };
  issues: ManifestIssue[];
}

export interface GlobSpec {
  images: string[];
  audio: string[];
  /** Folder the patterns are relative to. */
  cwd: string;
  location?: SourceLocation;
}

export interface JobDefaults {
  image?: string;
  prompt?: string;
  mode?: Mode;
  watermark?: boolean;
  tts?: { voice_id?: string; language?: TtsLanguage; speed?: number };
}

export interface LoadedManifest {
  path: string;
  /** Folder relative paths in the manifest resolve against. */
  dir: string;
  defaults: JobDefaults;
  jobs: JobSpec[];
  invalid: InvalidJobEntry[];
  globs?: GlobSpec;
}

const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const nameSchema = z
  .string()
  .regex(NAME_PATTERN, 'must start with a letter or digit and use only letters, digits, ".", "_" and "-"')
  .max(100);
const pathSchema = z.string().trim().min(1, 'must be a file path (relative to the manifest)');
const { voiceSpeed } = LIMITS.tts;
const speedSchema = z
  .number()
  .min(voiceSpeed.min, `must be between ${voiceSpeed.min} and ${voiceSpeed.max}`)
  .max(voiceSpeed.max, `must be between ${voiceSpeed.min} and ${voiceSpeed.max}`);
const modeSchema = z.enum(MODES, { error: `must be one of ${MODES.join(', ')}` });
const languageSchema = z.enum(TTS_LANGUAGES, { error: `must be one of ${TTS_LANGUAGES.join(', ')}` });

const ttsDefaultsSchema = z.strictObject({
  voice_id: z.string().min(1).optional(),
  language: languageSchema.optional(),
  speed: speedSchema.optional(),
});

const ttsSchema = z.strictObject({
  text: z
    .string()
    .min(1, 'must not be empty')
    .refine((text) => [...text].length <= LIMITS.tts.text.maxLength, {
      message: `must be at most ${LIMITS.tts.text.maxLength} characters (Kling's text-to-speech limit)`,
    }),
  voice_id: z.string().min(1).optional(),
  language: languageSchema.optional(),
  speed: speedSchema.optional(),
});

const defaultsSchema = z.strictObject({
  image: pathSchema.optional(),
  prompt: z.string().optional(),
  mode: modeSchema.optional(),
  watermark: z.boolean().optional(),
  tts: ttsDefaultsSchema.optional(),
});

const jobSchema = z.strictObject({
  name: nameSchema.optional(),
  image: pathSchema.optional(),
  audio: pathSchema.optional(),
  audio_id: z.string().min(1).optional(),
  tts: ttsSchema.optional(),
  prompt: z.string().optional(),
  mode: modeSchema.optional(),
  watermark: z.boolean().optional(),
  output: z
    .string()
    .min(1)
    .refine((value) => !/^(\/|[A-Za-z]:[\\/])/.test(value) && !value.split(/[\\/]/).includes('..'), {
      message: 'must be a file name inside the output folder (no absolute paths, no "..")',
    })
    .refine((value) => extname(value) === '' || extname(value).toLowerCase() === '.mp4', {
      message: 'must end in .mp4 (or have no extension)',
    })
    .optional(),
});

const patternsSchema = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);
const globsSchema = z.strictObject({ images: patternsSchema, audio: patternsSchema });

const manifestSchema = z.strictObject({
  version: z.literal(1, { error: 'only version 1 exists' }).optional(),
  defaults: defaultsSchema.optional(),
  jobs: z.array(z.unknown(), { error: 'must be a list of jobs' }).optional(),
  globs: globsSchema.optional(),
});

type RawJob = z.infer<typeof jobSchema>;
type PathSegment = string | number;

/** Reads and checks a manifest. Throws `ManifestError` only for problems that affect every job. */
export async function loadManifest(
  manifestPath: string,
  options: { displayPath?: string } = {},
): Promise<LoadedManifest> {
  const path = resolve(manifestPath);
  const display = options.displayPath ?? manifestPath;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ManifestError(display, [
      { file: display, path: '', message: `cannot read the manifest: ${(error as Error).message}` },
    ]);
  }
  return parseManifest(text, { path, displayPath: display });
}

/** Parse manifest text (YAML or JSON). `path` sets the folder relative paths resolve against. */
export function parseManifest(text: string, options: { path: string; displayPath?: string }): LoadedManifest {
  const file = options.displayPath ?? options.path;
  const dir = dirname(resolve(options.path));
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number | undefined): SourceLocation => {
    if (offset === undefined) return { file };
    const position = lineCounter.linePos(offset);
    return { file, line: position.line, column: position.col };
  };

  if (document.errors.length > 0) {
    throw new ManifestError(
      file,
      document.errors.map((error) => ({
        ...at(error.pos[0]),
        path: '',
        message: `YAML syntax: ${error.message.split('\n')[0]}`,
      })),
    );
  }
  const locate = (path: PathSegment[], key?: string): SourceLocation =>
    at(nodeOffset(document.contents, path, key));
  const data = document.toJS({ maxAliasCount: 100 }) as unknown;
  if (data === null || data === undefined) {
    throw new ManifestError(file, [
      { file, line: 1, path: '', message: 'the manifest is empty; add `jobs:` or `globs:`' },
    ]);
  }

  const top = manifestSchema.safeParse(data, { reportInput: true });
  if (!top.success) {
    throw new ManifestError(file, zodIssues(top.error, [], locate, undefined));
  }
  const manifest = top.data;
  if (!manifest.jobs?.length && !manifest.globs) {
    throw new ManifestError(file, [
      { ...locate([]), path: '', message: 'no jobs: add a `jobs:` list or `globs:`' },
    ]);
  }
  const defaults: JobDefaults = manifest.defaults ?? {};

  const jobs: JobSpec[] = [];
  const invalid: InvalidJobEntry[] = [];
  const seenNames = new Map<string, number>();
  (manifest.jobs ?? []).forEach((rawJob, index) => {
    const jobPath: PathSegment[] = ['jobs', index];
    const source = { ...locate(jobPath), origin: 'manifest' as const, index };
    const parsed = jobSchema.safeParse(rawJob, { reportInput: true });
    const fallbackName = guessName(rawJob, index);
    const label = `jobs[${index}] (${fallbackName})`;
    if (!parsed.success) {
      invalid.push({ name: fallbackName, source, issues: zodIssues(parsed.error, jobPath, locate, label) });
      return;
    }
    const job = parsed.data;
    const name = job.name ?? fallbackName;
    const issues: ManifestIssue[] = [];
    const issue = (field: string | undefined, message: string) =>
      issues.push({
        ...locate(field ? [...jobPath, field] : jobPath),
        path: `jobs[${index}]${field ? `.${field}` : ''}`,
        job: `jobs[${index}] (${name})`,
        message,
      });

    const image = job.image ?? defaults.image;
    if (!image) issue(undefined, 'has no `image` (set it on the job or in `defaults`)');
    const audioSources = (['audio', 'audio_id', 'tts'] as const).filter((key) => job[key] !== undefined);
    if (audioSources.length !== 1) {
      issue(
        audioSources[1],
        audioSources.length === 0
          ? 'needs one of `audio` (a file), `audio_id` (from text to speech) or `tts` (text to speak)'
          : `has ${audioSources.map((key) => `\`${key}\``).join(' and ')}; give exactly one audio source`,
      );
    }
    let tts: TtsSpec | undefined;
    if (job.tts) {
      const voiceId = job.tts.voice_id ?? defaults.tts?.voice_id;
      if (!voiceId) issue('tts', 'needs `voice_id` (on the job or in `defaults.tts`)');
      tts = {
        text: job.tts.text,
        voiceId: voiceId ?? '',
        language: job.tts.language ?? defaults.tts?.language ?? LIMITS.tts.defaultLanguage,
        speed: job.tts.speed ?? defaults.tts?.speed ?? LIMITS.tts.voiceSpeed.default,
      };
    }
    const previous = seenNames.get(name);
    if (previous !== undefined) {
      issue(
        job.name ? 'name' : undefined,
        `has the same name as jobs[${previous}]; give each job a unique \`name\``,
      );
    } else {
      seenNames.set(name, index);
    }
    if (issues.length > 0 || !image) {
      invalid.push({ name, source, issues });
      return;
    }
    const fieldLocations: JobSpec['fieldLocations'] = {};
    for (const field of [
      'image',
      'audio',
      'audio_id',
      'tts',
      'prompt',
      'mode',
      'watermark',
      'output',
      'name',
    ] as const) {
      if ((job as Record<string, unknown>)[field] !== undefined)
        fieldLocations[field] = locate([...jobPath, field]);
      else if (field !== 'name' && (defaults as Record<string, unknown>)[field] !== undefined) {
        fieldLocations[field] = locate(['defaults', field]);
      }
    }
    jobs.push({
      name,
      imagePath: resolve(dir, image),
      audio: audioSpecOf(job, dir, tts),
      prompt: job.prompt ?? defaults.prompt,
      mode: job.mode ?? defaults.mode ?? LIMITS.mode.default,
      watermark: job.watermark ?? defaults.watermark ?? false,
      output: outputName(job.output, name),
      source,
      fieldLocations,
    });
  });

  const globs = manifest.globs
    ? {
        images: toArray(manifest.globs.images),
        audio: toArray(manifest.globs.audio),
        cwd: dir,
        location: locate(['globs']),
      }
    : undefined;
  return { path: resolve(options.path), dir, defaults, jobs, invalid, globs };
}

function audioSpecOf(job: RawJob, dir: string, tts: TtsSpec | undefined): AudioSpec {
  if (job.audio !== undefined) return { kind: 'file', path: resolve(dir, job.audio) };
  if (job.audio_id !== undefined) return { kind: 'audio_id', audioId: job.audio_id };
  return { kind: 'tts', tts: tts! };
}

/** `welcome` → `welcome.mp4`; an explicit `output` keeps its folders and gains `.mp4` when it has none. */
export function outputName(output: string | undefined, name: string): string {
  if (!output) return `${name}.mp4`;
  const normalized = output.replace(/\\/g, '/');
  return extname(normalized) === '' ? `${normalized}.mp4` : normalized;
}

/** The watermarked copy sits beside the clean one: `welcome.mp4` → `welcome.watermarked.mp4`. */
export function watermarkedOutputName(output: string): string {
  const extension = extname(output);
  return `${output.slice(0, output.length - extension.length)}.watermarked${extension || '.mp4'}`;
}

function stem(path: string): string {
  const base = basename(path.replace(/\\/g, '/'));
  const extension = extname(base);
  return extension ? base.slice(0, -extension.length) : base;
}

/** A job's name when it has none: its output's stem, else its audio file's stem, else `job-N`. */
function guessName(rawJob: unknown, index: number): string {
  const job = (rawJob && typeof rawJob === 'object' ? rawJob : {}) as Record<string, unknown>;
  const candidates = [
    job.name,
    typeof job.output === 'string' ? stem(job.output) : undefined,
    typeof job.audio === 'string' ? stem(job.audio) : undefined,
  ];
  for (const candidate of candidates) {
    if (typeof candidate === 'string' && NAME_PATTERN.test(candidate)) return candidate;
  }
  return `job-${index + 1}`;
}

function toArray(value: string | string[]): string[] {
  return Array.isArray(value) ? value : [value];
}

/** `['jobs', 1, 'mode']` → `jobs[1].mode`. */
export function formatPath(path: readonly PathSegment[]): string {
  let text = '';
  for (const segment of path)
    text += typeof segment === 'number' ? `[${segment}]` : text ? `.${segment}` : segment;
  return text;
}

function zodIssues(
  error: z.ZodError,
  prefix: PathSegment[],
  locate: (path: PathSegment[], key?: string) => SourceLocation,
  job: string | undefined,
): ManifestIssue[] {
  const issues: ManifestIssue[] = [];
  for (const zodIssue of error.issues) {
    const path = [...prefix, ...(zodIssue.path as PathSegment[])];
    if (zodIssue.code === 'unrecognized_keys') {
      for (const key of zodIssue.keys) {
        issues.push({
          ...locate(path, key),
          path: formatPath([...path, key]),
          job,
          message: `unknown field \`${key}\`${suggestField(key)}`,
        });
      }
      continue;
    }
    issues.push({ ...locate(path), path: formatPath(path), job, message: zodMessage(zodIssue) });
  }
  return issues;
}

const KNOWN_FIELDS = [
  'name',
  'image',
  'audio',
  'audio_id',
  'tts',
  'prompt',
  'mode',
  'watermark',
  'output',
  'defaults',
  'jobs',
  'globs',
  'images',
  'text',
  'voice_id',
  'language',
  'speed',
  'version',
];

function suggestField(key: string): string {
  const lower = key.toLowerCase();
  const match = KNOWN_FIELDS.find((field) => field !== lower && editDistance(field, lower) <= 2);
  return match ? ` (did you mean \`${match}\`?)` : '';
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}

function zodMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type') {
    if (issue.input === undefined) return 'is required';
    // A message set in the schema wins over the generic "expected X".
    if (!issue.message.startsWith('Invalid input')) return issue.message;
    return `must be ${article(issue.expected)}, not ${describeValue(issue.input)}`;
  }
  return issue.message;
}

function article(expected: string): string {
  if (expected === 'object') return 'a mapping (key: value)';
  if (expected === 'array') return 'a list';
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

function describeValue(value: unknown): string {
  if (value === null) return 'empty';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${JSON.stringify(value)}`;
}

/** Source offset of the node at `path` (or of `key` inside it), falling back to the nearest parent. */
function nodeOffset(root: unknown, path: PathSegment[], key?: string): number | undefined {
  let node = root as Node | null | undefined;
  let offset = rangeStart(node);
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find(
        (item) => isScalar(item.key) && String(item.key.value) === String(segment),
      );
      if (!pair) return offset;
      const valueNode = pair.value as Node | null;
      offset = rangeStart(valueNode) ?? rangeStart(pair.key as Node) ?? offset;
      node = valueNode;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment] as Node | undefined;
      if (!item) return offset;
      offset = rangeStart(item) ?? offset;
      node = item;
    } else {
      return offset;
    }
  }
  if (key !== undefined && isMap(node)) {
    const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === key);
    if (pair) return rangeStart(pair.key as Node) ?? offset;
  }
  return offset;
}

function rangeStart(node: Node | null | undefined): number | undefined {
  return node && Array.isArray(node.range) ? node.range[0] : undefined;
}

/** Paths in reports: relative to `base` when inside it, else absolute. */
export function displayPath(path: string, base: string): string {
  const relativePath = relative(base, path);
  return relativePath && !relativePath.startsWith('..') && !relativePath.startsWith('/')
    ? relativePath
    : path;
}
