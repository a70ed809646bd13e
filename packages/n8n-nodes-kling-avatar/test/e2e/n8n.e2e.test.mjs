// End to end in a real n8n against the Kling sandbox:
//   1. the example workflows create-avatar-video.json and text-to-speech-avatar.json are imported and run
//      with `n8n execute` (Read/Write Files from Disk → Kling Avatar create + wait + download → MP4 on
//      disk), and the MP4s are checked box by box (and decoded with ffprobe when available);
//   2. callback-trigger.json runs in `n8n start`: the sandbox delivers Standard Webhooks-signed callbacks
//      to the trigger's production URL, the trigger verifies them, re-fetches the task, downloads the video
//      and the workflow writes it; badly signed deliveries get 401.
// n8n is installed outside the repository and cached (test/e2e/n8n-install.mjs). Skip locally with
// KLING_N8N_E2E=0; with CI=true it always runs.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { generateWebhookSecret, mintJwt, webhookHeaders } from '@kling-avatar/core';

import { startSandbox } from '@kling-avatar/sandbox';
import { portraitPng, wav } from '@kling-avatar/test-media';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectMp4, probeMp4 } from './mp4.mjs';
import { ensureN8n } from './n8n-install.mjs';
import { freePorts, n8nEnvironment, parseExecuteOutput, runN8n, startN8n } from './n8n-runner.mjs';

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const forced = process.env.CI === 'true' || process.env.CI === '1';
const skipped =
  !forced && ['0', 'false', 'skip', 'no'].includes(String(process.env.KLING_N8N_E2E ?? '').toLowerCase());

const SPEECH_SECONDS = 3;
const CREDENTIAL_JWT = { id: 'klingE2eAkSk00001', name: 'Kling sandbox (access key + secret key)' };
const CREDENTIAL_KEY = { id: 'klingE2eApiKey001', name: 'Kling sandbox (API key)' };

function readExample(name) {
  return JSON.parse(readFileSync(join(packageRoot, 'examples', name), 'utf8'));
}

/** Point an example at this run: custom-extension node types, test credentials, test folders. */
function adaptExample(workflow, { id, credential, files, patch = {} }) {
  const adapted = structuredClone(workflow);
  adapted.id = id;
  adapted.active = false;
  for (const node of adapted.nodes) {
    node.type = node.type.replace(/^n8n-nodes-kling-avatar\./, 'CUSTOM.');
    if (node.credentials?.klingAiApi) node.credentials.klingAiApi = credential;
    for (const key of ['fileSelector', 'fileName']) {
      if (typeof node.parameters[key] === 'string')
        node.parameters[key] = node.parameters[key].replace('/home/node/kling', files);
    }
    Object.assign(node.parameters, patch[node.name] ?? {});
  }
  return adapted;
}

function nodeOutput(execution, nodeName) {
  const runs = execution.data?.resultData?.runData?.[nodeName];
  return runs?.[0]?.data?.main?.[0] ?? [];
}

async function waitFor(check, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

function expectPlayableMp4(path, seconds) {
  const mp4 = inspectMp4(path);
  expect(mp4.ok, mp4.reason).toBe(true);
  expect(mp4.tracks.map((track) => `${track.handler}/${track.codec}`).sort()).toEqual([
    'soun/mp4a',
    'vide/avc1',
  ]);
  expect(mp4.durationSeconds).toBeGreaterThan(seconds - 0.25);
  expect(mp4.durationSeconds).toBeLessThan(seconds + 0.25);
  const probe = probeMp4(path);
  if (probe) {
    expect(probe.ok, probe.error).toBe(true);
    expect(Math.abs(probe.durationSeconds - seconds)).toBeLessThan(0.25);
    const video = probe.streams.find((stream) => stream.codec_type === 'video');
    expect(video.codec_name).toBe('h264');
    expect(Number(video.nb_read_frames)).toBeGreaterThan(seconds * 20);
  }
  return { mp4, probe };
}

describe.skipIf(skipped)('n8n end to end (real n8n + Kling sandbox)', () => {
  let n8n;
  let sandbox;
  let work;
  let files;
  let extensions;
  let callbackSecret;
  const report = {};
  const sandboxLog = [];

  beforeAll(async () => {
    const distNode = join(packageRoot, 'dist', 'nodes', 'KlingAvatar', 'KlingAvatar.node.js');
    if (!existsSync(distNode)) throw new Error('dist/ is missing: run `pnpm run build` first (turbo does).');

    const installStarted = Date.now();
    n8n = await ensureN8n();
    report.install = {
      cached: n8n.cached,
      seconds: Math.round((Date.now() - installStarted) / 1000),
      ...n8n.install,
    };

    work = mkdtempSync(join(tmpdir(), 'kling-n8n-e2e-'));
    files = join(work, 'files');
    mkdirSync(join(files, 'out'), { recursive: true });
    writeFileSync(join(files, 'portrait.png'), portraitPng());
    writeFileSync(join(files, 'speech.wav'), wav(SPEECH_SECONDS, { warble: true }));

    // The built package, as n8n would find it in a custom extensions folder.
    extensions = join(work, 'extensions');
    mkdirSync(join(extensions, 'n8n-nodes-kling-avatar'), { recursive: true });
    cpSync(join(packageRoot, 'dist'), join(extensions, 'n8n-nodes-kling-avatar', 'dist'), {
      recursive: true,
    });
    cpSync(join(packageRoot, 'package.json'), join(extensions, 'n8n-nodes-kling-avatar', 'package.json'));

    callbackSecret = generateWebhookSecret();
    sandbox = await startSandbox({
      port: 0,
      host: '127.0.0.1',
      timings: { submittedMs: 300, processingMs: 1000 },
      callbackSecret,
      callbackRetry: { retries: 5, initialDelayMs: 500 },
      log: (line) => sandboxLog.push(line),
    });

    writeFileSync(
      join(work, 'credentials.json'),
      JSON.stringify([
        {
          ...CREDENTIAL_JWT,
          type: 'klingAiApi',
          data: {
            authType: 'accessKey',
            accessKey: sandbox.credentials.accessKey,
            secretKey: sandbox.credentials.secretKey,
            region: 'custom',
            baseUrl: sandbox.url,
            webhookSecret: callbackSecret,
            // A token that expired an hour ago, as if stored by an earlier run: the sandbox answers
            // 401/1004, n8n runs the credential's preAuthentication again and repeats the request.
            sessionToken: mintJwt({
              accessKey: sandbox.credentials.accessKey,
              secretKey: sandbox.credentials.secretKey,
              nowSeconds: Math.floor(Date.now() / 1000) - 7200,
            }).token,
          },
        },
        {
          ...CREDENTIAL_KEY,
          type: 'klingAiApi',
          data: {
            authType: 'apiKey',
            apiKey: sandbox.credentials.apiKey,
            region: 'custom',
            baseUrl: sandbox.url,
            webhookSecret: callbackSecret,
          },
        },
      ]),
    );
  }, 45 * 60_000);

  afterAll(async () => {
    await sandbox?.stop();
    if (work && !process.env.KLING_N8N_E2E_KEEP) rmSync(work, { recursive: true, force: true });
    console.log(`[n8n e2e] ${JSON.stringify(report)}`);
  });

  async function cliEnvironment(name) {
    const [port, brokerPort] = await freePorts(2);
    return n8nEnvironment({
      paths: n8n,
      userFolder: join(work, `user-${name}`),
      extensionsDirectory: extensions,
      fileRoot: files,
      port,
      brokerPort,
    });
  }

  it(
    'runs the create examples with `n8n execute`: binary and text-to-speech audio in, playable MP4s out',
    async () => {
      const env = await cliEnvironment('cli');
      const credentials = await runN8n(
        n8n,
        ['import:credentials', `--input=${join(work, 'credentials.json')}`],
        env,
      );
      expect(credentials.status, credentials.stdout + credentials.stderr).toBe(0);

      const workflows = [
        adaptExample(readExample('create-avatar-video.json'), {
          id: 'klingE2eCreate001',
          credential: CREDENTIAL_JWT,
          files,
          patch: { 'Kling Avatar': { options: { pollInterval: 1, timeout: 180 } } },
        }),
        adaptExample(readExample('text-to-speech-avatar.json'), {
          id: 'klingE2eSpeech001',
          credential: CREDENTIAL_KEY,
          files,
          patch: { 'Kling Avatar': { options: { pollInterval: 1, timeout: 180 } } },
        }),
      ];
      writeFileSync(join(work, 'workflows.json'), JSON.stringify(workflows));
      const imported = await runN8n(n8n, ['import:workflow', `--input=${join(work, 'workflows.json')}`], env);
      expect(imported.status, imported.stdout + imported.stderr).toBe(0);

      // 1. Portrait and speech read from disk as binary (filesystem binary mode), access key + secret key.
      const logMark = sandboxLog.length;
      const first = await runN8n(n8n, ['execute', '--id=klingE2eCreate001', '--rawOutput'], env);
      report.executeCreateSeconds = first.seconds;
      expect(first.status, first.stdout.slice(-3000) + first.stderr.slice(-3000)).toBe(0);
      const created = nodeOutput(parseExecuteOutput(first.stdout), 'Kling Avatar');
      expect(created).toHaveLength(1);
      expect(created[0].json).toMatchObject({ status: 'succeed', reusedExistingTask: false });
      expect(created[0].json.externalTaskId).toMatch(/^n8n-/);
      expect(created[0].binary.data).toMatchObject({ mimeType: 'video/mp4' });
      const video = join(files, 'out', `${created[0].json.taskId}.mp4`);
      expect(existsSync(video)).toBe(true);
      report.createVideo = expectPlayableMp4(video, SPEECH_SECONDS);
      // The stored token had expired: Kling's 401 made n8n renew it through preAuthentication, then retry.
      const requests = sandboxLog.slice(logMark);
      expect(requests[0]).toMatch(/^GET \/v1\/videos\/avatar\/image2video\/n8n-\S+ 401 /);
      expect(requests[1]).toMatch(/^GET \/v1\/videos\/avatar\/image2video\/n8n-\S+ 404 /);
      expect(requests.filter((line) => / 401 /.test(line))).toHaveLength(1);
      expect(
        requests.filter((line) => /^POST \/v1\/videos\/avatar\/image2video 200 /.test(line)),
      ).toHaveLength(1);
      report.renewal = requests.slice(0, 3);

      // 2. Text to speech in the same step, API key.
      const second = await runN8n(n8n, ['execute', '--id=klingE2eSpeech001', '--rawOutput'], env);
      report.executeSpeechSeconds = second.seconds;
      expect(second.status, second.stdout.slice(-3000) + second.stderr.slice(-3000)).toBe(0);
      const spoken = nodeOutput(parseExecuteOutput(second.stdout), 'Kling Avatar');
      expect(spoken[0].json.audioId).toBeTruthy();
      const seconds = spoken[0].json.audioDurationSeconds;
      expect(seconds).toBeGreaterThanOrEqual(2);
      const speechVideo = join(files, 'out', `${spoken[0].json.taskId}.mp4`);
      report.speechVideo = expectPlayableMp4(speechVideo, seconds);
    },
    15 * 60_000,
  );

  it(
    'receives signed callbacks in a running n8n (`n8n start`), rejects bad signatures with 401, saves the MP4',
    async () => {
      const env = await cliEnvironment('server');
      const credentials = await runN8n(
        n8n,
        ['import:credentials', `--input=${join(work, 'credentials.json')}`],
        env,
      );
      expect(credentials.status, credentials.stdout + credentials.stderr).toBe(0);
      const workflow = adaptExample(readExample('callback-trigger.json'), {
        id: 'klingE2eTrigger01',
        credential: CREDENTIAL_KEY,
        files,
      });
      writeFileSync(join(work, 'trigger.json'), JSON.stringify([workflow]));
      const imported = await runN8n(n8n, ['import:workflow', `--input=${join(work, 'trigger.json')}`], env);
      expect(imported.status, imported.stdout + imported.stderr).toBe(0);
      const published = await runN8n(n8n, ['publish:workflow', '--id=klingE2eTrigger01'], env);
      expect(published.status, published.stdout + published.stderr).toBe(0);

      const server = await startN8n(n8n, env, work);
      try {
        const webhookId = workflow.nodes.find((node) => node.name === 'Kling Avatar Trigger').webhookId;
        const webhookUrl = `${server.url}/webhook/${webhookId}/kling-avatar`;
        const body = JSON.stringify({
          task_id: '1',
          task_status: 'succeed',
          task_info: {},
          created_at: 1,
          updated_at: 2,
        });

        // The production webhook is registered once it answers; unsigned and wrongly signed get 401.
        const unsigned = await waitFor(
          async () => {
            const response = await fetch(webhookUrl, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body,
            });
            return response.status === 404 ? undefined : response;
          },
          60_000,
          'the trigger webhook to be registered',
        );
        expect(unsigned.status, `unsigned delivery answered: ${await unsigned.text()}`).toBe(401);
        const forged = await fetch(webhookUrl, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            ...webhookHeaders({
              secret: generateWebhookSecret(),
              id: 'msg_forged',
              timestampSeconds: Math.floor(Date.now() / 1000),
              body,
            }),
          },
          body,
        });
        expect(forged.status, `forged delivery answered: ${await forged.text()}`).toBe(401);

        // A real task whose callbacks the sandbox signs with the credential's secret.
        const response = await fetch(`${sandbox.url}/v1/videos/avatar/image2video`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${sandbox.credentials.apiKey}`,
            'content-type': 'application/json',
          },
          body: JSON.stringify({
            image: portraitPng().toString('base64'),
            sound_file: wav(SPEECH_SECONDS, { warble: true }).toString('base64'),
            callback_url: webhookUrl,
            external_task_id: 'e2e-callback-1',
          }),
        });
        const created = await response.json();
        expect(created.code, JSON.stringify(created)).toBe(0);
        const taskId = created.data.task_id;

        const saved = join(files, 'out', `${taskId}.mp4`);
        await waitFor(
          () => existsSync(saved) && inspectMp4(saved).ok,
          120_000,
          `the trigger workflow to write ${saved}`,
        );
        report.triggerVideo = expectPlayableMp4(saved, SPEECH_SECONDS);
      } finally {
        await server.stop();
      }
    },
    15 * 60_000,
  );
});
