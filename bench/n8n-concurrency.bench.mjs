#!/usr/bin/env node
// How well the n8n node's Create operation overlaps many items (the BUILT node: run
// `pnpm turbo run build --filter n8n-nodes-kling-avatar` first). 20 items go through the node's real
// execute() — a mocked n8n context (parameters, binary helpers) whose HTTP helpers make real requests
// to a local Kling sandbox — once with Concurrency 5 and once with Concurrency 1 (one after another).
// Every task takes a fixed time T in the sandbox (submitted + processing), so the ideal with 5 slots is
// ceil(20 / 5) · T. Gate: the concurrent run takes at most 1.2 × that ideal, with T measured on the
// one-after-another run (tasks there do not compete for CPU while rendering).
//
//   node bench/n8n-concurrency.bench.mjs                 # 20 items, T ≈ 2 s, poll every 0.25 s
//   node bench/n8n-concurrency.bench.mjs --items 10 --submitted-ms 500 --processing-ms 1500
//
// Exits 1 when the gate fails. The sandbox renders a real MP4 per task, so a busy machine stretches T;
// the mean task time of each run is printed beside the totals.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const nodePackage = path.join(root, 'packages/n8n-nodes-kling-avatar');
const nodeEntry = path.join(nodePackage, 'dist/nodes/KlingAvatar/KlingAvatar.node.js');
const sandboxEntry = path.join(root, 'packages/sandbox/dist/index.js');
for (const [entry, filter] of [
  [nodeEntry, 'n8n-nodes-kling-avatar'],
  [sandboxEntry, '@kling-avatar/sandbox'],
]) {
  if (!existsSync(entry)) {
    console.error(`Build first: pnpm turbo run build --filter ${filter} (${entry} missing)`);
    process.exit(1);
  }
}

function argument(name, fallback) {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? Number(process.argv[index + 1]) : fallback;
}
const ITEMS = argument('items', 20);
const CONCURRENCY = argument('concurrency', 5);
const SUBMITTED_MS = argument('submitted-ms', 500);
const PROCESSING_MS = argument('processing-ms', 1500);
const POLL_SECONDS = argument('poll-seconds', 0.25);
const TARGET = 1.2;

// The node and n8n-workflow as n8n would load them (CommonJS, from the package's own node_modules).
const requireFromNode = createRequire(path.join(nodePackage, 'package.json'));
const { KlingAvatar } = requireFromNode(nodeEntry);
const { startSandbox } = await import(sandboxEntry);

/** Tiny real media: the sandbox renders each task with ffmpeg, so they must decode. */
async function media() {
  const { portraitPng, speechWav } = await import(path.join(nodePackage, 'test/e2e/media.mjs'));
  return { image: portraitPng(320, 400), audio: speechWav(2) };
}

/**
 * Just enough of IExecuteFunctions for the Create operation: parameters, input items with binary data,
 * and HTTP helpers doing real requests (errors shaped like the ones n8n throws, response body included).
 */
function executeContext({ sandbox, items, parameters }) {
  const node = {
    id: 'bench-node-0001',
    name: 'Kling Avatar',
    type: 'klingAvatar',
    typeVersion: 1,
    parameters: {},
  };
  async function http(options, authorization) {
    const url = new URL(options.url);
    for (const [key, value] of Object.entries(options.qs ?? {})) url.searchParams.set(key, String(value));
    const headers = { ...(options.headers ?? {}) };
    if (authorization) headers.authorization = authorization;
    let body;
    if (options.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.body);
    }
    const response = await fetch(url, { method: options.method ?? 'GET', headers, body });
    const buffer = Buffer.from(await response.arrayBuffer());
    const data = options.encoding === 'arraybuffer' ? buffer : JSON.parse(buffer.toString('utf8') || 'null');
    if (!response.ok) {
      throw Object.assign(new Error(`Request failed with status code ${response.status}`), {
        response: { status: response.status, data, headers: Object.fromEntries(response.headers) },
      });
    }
    return options.returnFullResponse
      ? { body: data, headers: Object.fromEntries(response.headers), statusCode: response.status }
      : data;
  }
  const lookup = (name, _itemIndex, fallback) => {
    let value = parameters;
    for (const part of name.split('.')) value = value?.[part];
    return value === undefined ? fallback : value;
  };
  return {
    getNode: () => node,
    getInputData: () => items,
    getNodeParameter: lookup,
    getExecutionId: () => `bench${Date.now()}`,
    getWorkflowDataProxy: () => ({ $runIndex: 0 }),
    continueOnFail: () => false,
    getExecutionCancelSignal: () => undefined,
    getCredentials: async () => ({
      authType: 'apiKey',
      apiKey: sandbox.credentials.apiKey,
      region: 'custom',
      baseUrl: sandbox.url,
    }),
    helpers: {
      httpRequestWithAuthentication: (_type, options) =>
        http(options, `Bearer ${sandbox.credentials.apiKey}`),
      httpRequest: (options) => http(options),
      assertBinaryData: (itemIndex, property) => {
        const file = items[itemIndex].binary[property];
        return {
          data: 'filesystem-v2',
          mimeType: file.mimeType,
          fileName: property,
          bytes: file.bytes.length,
        };
      },
      getBinaryDataBuffer: async (itemIndex, property) => items[itemIndex].binary[property].bytes,
      binaryToBuffer: async (body) => body,
      prepareBinaryData: async (buffer, fileName, mimeType) => ({
        data: '',
        fileName,
        mimeType,
        bytes: buffer.length,
      }),
    },
  };
}

async function run(sandbox, concurrency, { image, audio }) {
  // Binary fields as n8n keeps them (metadata with the size); the bytes come from getBinaryDataBuffer.
  const files = {
    data: { bytes: image, mimeType: 'image/png' },
    audio: { bytes: audio, mimeType: 'audio/wav' },
  };
  const items = Array.from({ length: ITEMS }, () => ({ json: {}, binary: files }));
  const parameters = {
    resource: 'avatar',
    operation: 'create',
    imageSource: 'binary',
    imageBinaryProperty: 'data',
    audioSource: 'binary',
    audioBinaryProperty: 'audio',
    prompt: '',
    mode: 'std',
    waitForCompletion: true,
    options: { concurrency, pollInterval: POLL_SECONDS, timeout: 600, downloadVideo: false },
  };
  const context = executeContext({ sandbox, items, parameters });
  const node = new KlingAvatar().nodeVersions[1];
  const started = performance.now();
  const [output] = await node.execute.call(context);
  const seconds = (performance.now() - started) / 1000;
  const failed = output.filter((item) => item.json.status !== 'succeed');
  if (failed.length > 0)
    throw new Error(`${failed.length} item(s) did not succeed: ${JSON.stringify(failed[0].json)}`);
  const taskSeconds = output.map(
    (item) => (Date.parse(item.json.updatedAt) - Date.parse(item.json.createdAt)) / 1000,
  );
  const meanTask = taskSeconds.reduce((sum, value) => sum + value, 0) / taskSeconds.length;
  return { seconds, meanTask, items: output.length };
}

const sandbox = await startSandbox({
  port: 0,
  host: '127.0.0.1',
  concurrency: CONCURRENCY,
  timings: { submittedMs: SUBMITTED_MS, processingMs: PROCESSING_MS },
});
try {
  const assets = await media();
  const version = JSON.parse(readFileSync(path.join(nodePackage, 'package.json'), 'utf8')).version;
  console.log(
    `n8n node concurrency bench: n8n-nodes-kling-avatar@${version}, ${ITEMS} items, sandbox T = ${SUBMITTED_MS} + ${PROCESSING_MS} ms ` +
      `(+ render), poll every ${POLL_SECONDS} s, ${availableParallelism()} CPUs, load average ${loadavg()
        .map((value) => value.toFixed(2))
        .join(' ')}`,
  );
  const sequential = await run(sandbox, 1, assets);
  const concurrent = await run(sandbox, CONCURRENCY, assets);
  const waves = Math.ceil(ITEMS / CONCURRENCY);
  const ideal = waves * sequential.meanTask;
  const idealUnderLoad = waves * concurrent.meanTask;
  const ratio = concurrent.seconds / ideal;
  const rows = [
    ['run', 'wall s', 'mean task T s', 'vs ideal'],
    [
      `one after another (concurrency 1)`,
      sequential.seconds.toFixed(2),
      sequential.meanTask.toFixed(2),
      `${(sequential.seconds / ideal).toFixed(2)}x`,
    ],
    [
      `concurrency ${CONCURRENCY}`,
      concurrent.seconds.toFixed(2),
      concurrent.meanTask.toFixed(2),
      `${ratio.toFixed(2)}x`,
    ],
    [`ideal ceil(${ITEMS}/${CONCURRENCY})·T`, ideal.toFixed(2), sequential.meanTask.toFixed(2), '1.00x'],
  ];
  for (const row of rows)
    console.log(`  ${row[0].padEnd(36)} ${row[1].padStart(8)} ${row[2].padStart(14)} ${row[3].padStart(9)}`);
  console.log(
    `  speed-up over one after another: ${(sequential.seconds / concurrent.seconds).toFixed(2)}x; ` +
      `against the ideal with T measured under load (${idealUnderLoad.toFixed(2)} s): ${(concurrent.seconds / idealUnderLoad).toFixed(2)}x`,
  );
  const pass = ratio <= TARGET;
  console.log(
    `${pass ? 'PASS' : 'FAIL'} concurrency ${CONCURRENCY}: ${ratio.toFixed(2)}x the ideal (target <= ${TARGET}x)`,
  );
  process.exitCode = pass ? 0 : 1;
} finally {
  await sandbox.stop();
}
