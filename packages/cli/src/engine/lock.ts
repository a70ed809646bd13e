/**
 * The lock file (`avatars.lock.json`): what each job last rendered, keyed by job name. Users commit it
 * (or cache it in CI) so unchanged jobs are skipped; the engine also writes a `pending` record *before*
 * creating a task, so a run that dies half-way is resumed by the next one instead of paying twice.
 * Paths inside are relative to the lock file, with forward slashes, so the file is portable.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { UserError } from '../util/errors.js';

export const LOCK_VERSION = 1;

export interface LockRecord {
  /** sha256 over image bytes, audio bytes (or audio_id / TTS settings) and parameters. */
  hash: string;
  /** 0 for the first render of this hash; `--force` and retries after a failed task count up. */
  generation: number;
  externalTaskId: string;
  /** Where it was rendered: the API base URL, or `local-sandbox`. A cache hit needs the same target. */
  target: string;
  status: 'pending' | 'rendered' | 'failed';
  taskId?: string;
  /** Output files relative to the lock file (clean video first, then the watermarked copy). */
  outputs: string[];
  /** Units Kling charged (`final_unit_deduction`), or the estimate when it reported none. */
  units?: number;
  durationSeconds?: number;
  error?: string;
  updatedAt: string;
}

export interface LockFileContent {
  version: number;
  generator: string;
  jobs: Record<string, LockRecord>;
}

export class LockStore {
  readonly path: string;
  #jobs: Map<string, LockRecord>;
  #writing: Promise<void> = Promise.resolve();

  private constructor(path: string, jobs: Map<string, LockRecord>) {
    this.path = path;
    this.#jobs = jobs;
  }

  /** Load the lock file; a missing file is an empty lock, a damaged one an error that says what to do. */
  static async load(path: string): Promise<LockStore> {
    const absolute = resolve(path);
    let text: string;
    try {
      text = await readFile(absolute, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new LockStore(absolute, new Map());
      throw new UserError(`cannot read the lock file ${path}: ${(error as Error).message}`);
    }
    let parsed: LockFileContent;
    try {
      parsed = JSON.parse(text) as LockFileContent;
    } catch (error) {
      throw new UserError(`the lock file ${path} is not valid JSON (${(error as Error).message}).`, {
        hint: 'Fix it (a merge conflict?) or delete it: the next run then checks every job again (tasks already created are found by their external id, not paid twice).',
      });
    }
    if (!parsed || typeof parsed !== 'object' || typeof parsed.jobs !== 'object' || parsed.jobs === null) {
      throw new UserError(`the lock file ${path} has no "jobs" object.`, {
        hint: 'Delete it to start afresh, or pass --lock with another path.',
      });
    }
    if (parsed.version !== LOCK_VERSION) {
      throw new UserError(
        `the lock file ${path} has version ${parsed.version}; this kling-avatar writes version ${LOCK_VERSION}.`,
        {
          hint: 'Upgrade kling-avatar, or delete the lock file.',
        },
      );
    }
    return new LockStore(absolute, new Map(Object.entries(parsed.jobs)));
  }

  get(name: string): LockRecord | undefined {
    return this.#jobs.get(name);
  }

  /** Set a record and persist the whole file (writes are serialised; each is atomic via rename). */
  set(name: string, record: LockRecord): Promise<void> {
    this.#jobs.set(name, record);
    return this.save();
  }

  /** Drop records of jobs no longer in the manifest. */
  retainOnly(names: Iterable<string>): void {
    const keep = new Set(names);
    for (const name of [...this.#jobs.keys()]) if (!keep.has(name)) this.#jobs.delete(name);
  }

  save(): Promise<void> {
    const next = this.#writing.then(() => this.#write());
    // A failed write must not poison later ones; the failure still reaches the caller of this save.
    this.#writing = next.catch(() => {});
    return next;
  }

  toJSON(): LockFileContent {
    const jobs: Record<string, LockRecord> = {};
    for (const name of [...this.#jobs.keys()].sort()) jobs[name] = this.#jobs.get(name)!;
    return { version: LOCK_VERSION, generator: '@kling-avatar/cli', jobs };
  }

  /** A path stored in the lock (relative to it) as an absolute path. */
  resolvePath(stored: string): string {
    return isAbsolute(stored) ? stored : resolve(dirname(this.path), stored);
  }

  /** An absolute path as stored in the lock. */
  storePath(absolutePath: string): string {
    const relativePath = relative(dirname(this.path), absolutePath);
    return relativePath.split(sep).join('/');
  }

  async #write(): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    const temporary = `${this.path}.${process.pid}.tmp`;
    await writeFile(temporary, `${JSON.stringify(this.toJSON(), null, 2)}\n`);
    await rename(temporary, this.path);
  }
}
