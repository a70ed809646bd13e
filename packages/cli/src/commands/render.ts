/**
 * `kling-avatar render`: the batch engine from the command line. Without credentials (or with
 * `--sandbox`) it renders through an embedded local sandbox on a free loopback port and says so:
 * no credentials, no network, nothing charged.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { createKlingAvatarClient } from '@kling-avatar/core';
import type { Sandbox } from '@kling-avatar/sandbox';
import { baseUrlFrom, type ConnectionFlags, credentialsFromEnv } from '../credentials.js';
import { runBatch } from '../engine/run-batch.js';
import type { BatchReport, WaitSettings } from '../engine/types.js';
import { BatchProgress } from '../progress.js';
import {
  formatBatchSummary,
  formatJobProblems,
  formatPlanTable,
  formatResultTable,
} from '../render-output.js';
import { EXIT, UsageError } from '../util/errors.js';
import { type CliIo, isInteractive, writeJson, writeLine } from '../util/io.js';

export interface RenderFlags extends ConnectionFlags {
  manifest?: string;
  images?: string[];
  audio?: string[];
  out?: string;
  lock?: string;
  dryRun?: boolean;
  force?: boolean;
  maxUnits?: number;
  concurrency?: number;
  sandbox?: boolean;
  timeoutMs?: number;
  json?: boolean;
}

const DEFAULT_MANIFESTS = ['avatars.yml', 'avatars.yaml', 'avatars.json'];
/** The embedded sandbox: quicker lifecycle than its defaults, so the demo is snappy. */
const EMBEDDED_SANDBOX_TIMINGS = { submittedMs: 300, processingMs: 1200 };
const SANDBOX_POLLING: WaitSettings = { pollIntervalMs: 300, maxPollIntervalMs: 1000 };
export const LOCAL_SANDBOX_TARGET = 'local-sandbox';

export async function runRender(flags: RenderFlags, io: CliIo, signal?: AbortSignal): Promise<number> {
  if (Boolean(flags.images?.length) !== Boolean(flags.audio?.length)) {
    throw new UsageError('--images and --audio go together: images and audio are paired by base name.');
  }
  let manifest = flags.manifest;
  if (!manifest && !flags.images?.length) {
    manifest = DEFAULT_MANIFESTS.find((name) => existsSync(resolve(io.cwd, name)));
    if (!manifest) {
      throw new UsageError(
        'nothing to render: no --manifest, no --images/--audio, and no avatars.yml here.',
        'Try `kling-avatar render --manifest examples/avatars.yml`, or `--images "assets/*.png" --audio "assets/*.wav"`.',
      );
    }
  }
  if (manifest && !existsSync(resolve(io.cwd, manifest))) {
    throw new UsageError(`manifest ${manifest} does not exist.`);
  }

  const credentials = flags.sandbox ? undefined : credentialsFromEnv(io.env);
  const useSandbox = flags.sandbox === true || credentials === undefined;
  const target = useSandbox ? LOCAL_SANDBOX_TARGET : baseUrlFrom(flags, io.env);
  const progress = flags.json ? undefined : new BatchProgress(io.stderr, isInteractive(io.stderr, io.env));
  const common = {
    manifestPath: manifest,
    globs: flags.images?.length ? { images: flags.images, audio: flags.audio ?? [] } : undefined,
    cwd: io.cwd,
    outDir: flags.out,
    lockPath: flags.lock,
    concurrency: flags.concurrency,
    dryRun: flags.dryRun,
    force: flags.force,
    maxUnits: flags.maxUnits,
    target,
    signal,
    onEvent: progress
      ? (event: Parameters<NonNullable<Parameters<typeof runBatch>[0]['onEvent']>>[0]) =>
          progress.handle(event)
      : undefined,
  };

  let report: BatchReport;
  if (flags.dryRun) {
    // No client, no sandbox, no network: the plan comes from the files alone.
    report = await runBatch(common);
  } else if (useSandbox) {
    const why = flags.sandbox
      ? '--sandbox'
      : 'No Kling credentials in the environment (KLING_API_KEY, or KLING_ACCESS_KEY + KLING_SECRET_KEY)';
    let sandbox: Sandbox | undefined;
    try {
      report = await runBatch({
        ...common,
        wait: { ...SANDBOX_POLLING, timeoutMs: flags.timeoutMs },
        // Started only when a job needs rendering: a fully cached run starts nothing.
        createClient: async () => {
          // Loaded on demand: commands that do not render never load the sandbox (and its ffmpeg lookup).
          const { startSandbox } = await import('@kling-avatar/sandbox');
          sandbox = await startSandbox({ port: 0, host: '127.0.0.1', timings: EMBEDDED_SANDBOX_TIMINGS });
          if (!flags.json) {
            progress?.print(
              `${why}: rendering with the local sandbox at ${sandbox.url}. No credentials, no network, nothing is charged; the videos are sandbox renders of your portrait and audio, not Kling output.`,
            );
          }
          return createKlingAvatarClient({ baseURL: sandbox.url, apiKey: sandbox.credentials.apiKey });
        },
      });
    } finally {
      progress?.stop();
      await sandbox?.stop();
    }
  } else {
    report = await runBatch({
      ...common,
      clientOptions: { baseURL: target, ...credentials! },
      wait: { timeoutMs: flags.timeoutMs },
    });
  }
  progress?.stop();

  if (flags.json) {
    writeJson(io.stdout, { ...report, sandbox: useSandbox && !flags.dryRun });
  } else {
    printReport(report, io, useSandbox && !flags.dryRun);
  }
  if (signal?.aborted) return EXIT.interrupted;
  return report.ok ? EXIT.ok : EXIT.failure;
}

function printReport(report: BatchReport, io: CliIo, usedSandbox: boolean): void {
  if (report.dryRun) {
    writeLine(
      io.stdout,
      formatPlanTable(report.jobs, {
        estimatedUnits: report.totals.estimatedUnits,
        maxUnits: report.maxUnits,
      }),
    );
    writeLine(io.stdout, `Outputs would go to ${report.outDir}; nothing was sent (dry run).`);
  } else {
    writeLine(io.stdout, formatResultTable(report));
  }
  const problems = formatJobProblems(report);
  if (problems) {
    writeLine(io.stderr);
    writeLine(io.stderr, problems);
  }
  for (const warning of report.warnings) writeLine(io.stderr, warning);
  writeLine(io.stderr);
  const sandboxRendered = usedSandbox && report.totals.rendered + report.totals.failed > 0;
  writeLine(io.stderr, formatBatchSummary(report, { sandbox: sandboxRendered }));
  if (sandboxRendered) {
    writeLine(
      io.stderr,
      'Rendered by the local sandbox (no credentials, no network). Set KLING_API_KEY to render with Kling.',
    );
  }
  if (!report.dryRun && report.totals.rendered + report.totals.cached > 0) {
    writeLine(io.stderr, `Lock file: ${report.lockPath}`);
  }
}
