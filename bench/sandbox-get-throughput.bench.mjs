// GET task throughput of the sandbox under load, beside a bare Node HTTP server answering a fixed JSON
// body in the same run (the ceiling for any Node server on this machine). Loopback only; the load
// generator runs in this process with a fixed number of keep-alive connections and a fixed duration, so
// both servers share the same client-side ceiling; the figures compare servers, not absolute capacity.
import { Agent, createServer, request } from 'node:http';
import { startSandbox } from '../packages/sandbox/dist/index.js';

// biome-ignore lint/suspicious/noUndeclaredEnvVars: a benchmark option, not a build input
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
// biome-ignore lint/suspicious/noUndeclaredEnvVars: a benchmark option, not a build input
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 5000);

async function load(url, headers) {
  const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const latencies = [];
  let errors = 0;
  const deadline = performance.now() + DURATION_MS;
  const one = () =>
    new Promise((resolve) => {
      const started = performance.now();
      const req = request(url, { agent, headers }, (response) => {
        response.resume();
        response.on('end', () => {
          if (response.statusCode !== 200) errors++;
          latencies.push(performance.now() - started);
          resolve();
        });
      });
      req.on('error', () => {
        errors++;
        resolve();
      });
      req.end();
    });
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (performance.now() < deadline) await one();
    }),
  );
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const pick = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return { rps: latencies.length / (DURATION_MS / 1000), p50: pick(0.5), p99: pick(0.99), errors };
}

const sandbox = await startSandbox({ timings: { submittedMs: 10, processingMs: 10 } });
const auth = { authorization: `Bearer ${sandbox.credentials.apiKey}` };
// Make one real task (from TTS audio) to query.
const tts = await fetch(`${sandbox.url}/v1/audio/tts`, {
  method: 'POST',
  headers: { ...auth, 'content-type': 'application/json' },
  body: JSON.stringify({ text: 'Benchmark speech for one task record.', voice_id: 'bench' }),
}).then((response) => response.json());
const { readFileSync } = await import('node:fs');
const image = readFileSync(new URL('../examples/assets/presenter.png', import.meta.url)).toString('base64');
const task = await fetch(`${sandbox.url}/v1/videos/avatar/image2video`, {
  method: 'POST',
  headers: { ...auth, 'content-type': 'application/json' },
  body: JSON.stringify({ image, audio_id: tts.data.task_result.audios[0].id }),
}).then((response) => response.json());
if (task.code !== 0) throw new Error(`could not create a task: ${JSON.stringify(task)}`);

const record = JSON.stringify({ code: 0, message: 'SUCCEED', request_id: 'x', data: task.data });
const bare = createServer((_request, response) => {
  response.writeHead(200, { 'content-type': 'application/json' });
  response.end(record);
});
await new Promise((resolve) => bare.listen(0, '127.0.0.1', resolve));
const bareUrl = `http://127.0.0.1:${bare.address().port}/`;

await load(bareUrl, {}); // warm-up both
await load(`${sandbox.url}/v1/videos/avatar/image2video/${task.data.task_id}`, auth);
const baseline = await load(bareUrl, {});
const ours = await load(`${sandbox.url}/v1/videos/avatar/image2video/${task.data.task_id}`, auth);

const row = (name, r) =>
  `${name.padEnd(28)} ${r.rps.toFixed(0).padStart(8)} req/s   p50 ${r.p50.toFixed(2).padStart(6)} ms   p99 ${r.p99.toFixed(2).padStart(6)} ms   errors ${r.errors}`;
console.log(`GET task throughput, ${CONNECTIONS} connections × ${DURATION_MS / 1000} s, loopback`);
console.log(row('bare node:http (baseline)', baseline));
console.log(row('sandbox GET task (API key)', ours));
console.log(
  `ratio sandbox / bare: ${(ours.rps / baseline.rps).toFixed(2)}× (informational; no target set by the issue)`,
);
bare.close();
await sandbox.stop();
