/**
 * Progress on stderr: on a terminal one line redrawn in place (a spinner, the status, the time); in CI
 * and pipes a plain line per change, so logs stay readable.
 */
import type { TaskRecord } from '@kling-avatar/core';
import type { BatchEvent, JobReport } from './engine/types.js';
import { formatElapsed, formatSeconds, formatUnitAmount } from './util/format.js';
import type { OutputStream } from './util/io.js';

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const CLEAR_LINE = '\r\u001b[2K';

/** A single redrawn line with a spinner; `print` writes a permanent line above it. */
class LiveLine {
  #stream: OutputStream;
  #timer: NodeJS.Timeout | undefined;
  #frame = 0;
  #render: () => string;

  constructor(stream: OutputStream, render: () => string) {
    this.#stream = stream;
    this.#render = render;
  }

  start(): void {
    this.#timer = setInterval(() => this.draw(), 120);
    this.#timer.unref();
    this.draw();
  }

  draw(): void {
    this.#frame = (this.#frame + 1) % SPINNER.length;
    // A pseudo-terminal can report 0 columns: treat that as unknown.
    const columns = this.#stream.columns || 100;
    const text = `${SPINNER[this.#frame]} ${this.#render()}`;
    this.#stream.write(`${CLEAR_LINE}${[...text].slice(0, Math.max(10, columns - 1)).join('')}`);
  }

  print(line: string): void {
    this.#stream.write(`${CLEAR_LINE}${line}\n`);
    if (this.#timer) this.draw();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#stream.write(CLEAR_LINE);
  }
}

/** Progress of one task (`wait`, `create --wait`). */
export class TaskProgress {
  #stream: OutputStream;
  #interactive: boolean;
  #started = Date.now();
  #status = 'submitted';
  #taskId: string;
  #live: LiveLine | undefined;

  constructor(stream: OutputStream, interactive: boolean, taskId: string) {
    this.#stream = stream;
    this.#interactive = interactive;
    this.#taskId = taskId;
  }

  start(): void {
    if (this.#interactive) {
      this.#live = new LiveLine(
        this.#stream,
        () => `task ${this.#taskId} ${this.#status} · ${formatElapsed(Date.now() - this.#started)}`,
      );
      this.#live.start();
    } else {
      this.#stream.write(`waiting for task ${this.#taskId}\n`);
    }
  }

  update(task: TaskRecord): void {
    if (task.task_status === this.#status && this.#interactive) return;
    this.#status = task.task_status;
    if (!this.#interactive) {
      this.#stream.write(
        `[${formatElapsed(Date.now() - this.#started)}] task ${this.#taskId} ${task.task_status}\n`,
      );
    }
  }

  stop(): void {
    this.#live?.stop();
  }
}

/** Progress of a batch render: a compact live status on a terminal, a line per change elsewhere. */
export class BatchProgress {
  #stream: OutputStream;
  #interactive: boolean;
  #started = Date.now();
  #phases = new Map<string, string>();
  #total = 0;
  #done = 0;
  #failed = 0;
  #live: LiveLine | undefined;

  constructor(stream: OutputStream, interactive: boolean) {
    this.#stream = stream;
    this.#interactive = interactive;
  }

  /** A permanent line (above the live status on a terminal). */
  print(text: string): void {
    this.#line(text);
  }

  #line(text: string): void {
    if (this.#live) this.#live.print(text);
    else this.#stream.write(`${text}\n`);
  }

  #elapsed(): string {
    return formatElapsed(Date.now() - this.#started).padStart(6);
  }

  handle(event: BatchEvent): void {
    switch (event.type) {
      case 'plan': {
        this.#total = event.jobs.filter((job) => job.status === 'planned').length;
        if (event.dryRun || this.#total === 0) return;
        const units = formatUnitAmount(event.estimatedUnits);
        this.#line(
          `Rendering ${this.#total} job${this.#total === 1 ? '' : 's'} (estimate ${units} units) via ${event.target}`,
        );
        if (this.#interactive) {
          this.#live = new LiveLine(this.#stream, () => this.#status());
          this.#live.start();
        }
        return;
      }
      case 'job-phase': {
        const previous = this.#phases.get(event.job);
        this.#phases.set(event.job, event.phase);
        if (this.#interactive || previous === event.phase || event.phase === 'lookup') return;
        const task = event.taskId ? ` task ${event.taskId}` : '';
        const words: Record<string, string> = {
          resumed: `found${task} from an earlier run (no new create)`,
          tts: 'text to speech',
          creating: 'creating task',
          submitted: `${task.trim()} submitted`,
          processing: `${task.trim()} processing`,
          succeed: `${task.trim()} succeeded`,
          failed: `${task.trim()} failed`,
          downloading: 'downloading',
        };
        this.#line(`[${this.#elapsed()}] ${event.job}: ${words[event.phase] ?? event.phase}`);
        return;
      }
      case 'job-done': {
        this.#phases.delete(event.job.name);
        this.#done++;
        if (event.job.status === 'failed') this.#failed++;
        this.#line(`[${this.#elapsed()}] ${describeDone(event.job)}`);
        return;
      }
      case 'done':
        this.stop();
        return;
      default:
        return;
    }
  }

  #status(): string {
    const counts = new Map<string, number>();
    for (const phase of this.#phases.values()) counts.set(phase, (counts.get(phase) ?? 0) + 1);
    const running = [...counts].map(([phase, count]) => `${count} ${phase}`).join(', ');
    const failed = this.#failed ? ` · ${this.#failed} failed` : '';
    return `${this.#done}/${this.#total} done${running ? ` · ${running}` : ''}${failed} · ${formatElapsed(Date.now() - this.#started)}`;
  }

  stop(): void {
    this.#live?.stop();
    this.#live = undefined;
  }
}

function describeDone(job: JobReport): string {
  if (job.status === 'rendered') {
    const resumed = job.resumed ? ', resumed' : '';
    return `✓ ${job.name}: rendered ${formatSeconds(job.durationSeconds)}, ${formatUnitAmount(job.units)} units${resumed} → ${job.outputs.join(', ')}`;
  }
  return `✗ ${job.name}: ${job.status}: ${job.error ?? ''}`;
}
