#!/usr/bin/env node
// Render speed of the sandbox's video renderer (the BUILT package: run `pnpm turbo run build --filter
// @kling-avatar/sandbox` first). Renders a 10 s clip from the example assets 3 times per mode and prints
// the median wall time and the speed as a multiple of real time. Gate: std must render at >= 5x real
// time (the target for a 2-core machine); pro is reported for information.
//
//   node bench/sandbox-render.bench.mjs            # std (gated) and pro
//   node bench/sandbox-render.bench.mjs --std-only
//   node bench/sandbox-render.bench.mjs --strict   # exit 1 when the std gate fails
//
// Like the other benches (bench/run.mjs counts a non-zero exit as a crash) it prints PASS/FAIL and
// exits 0 unless --strict. Wall time depends on what else the machine is doing, so the load average
// and the CPU time ffmpeg used (Linux; a steadier figure on a busy machine) are printed alongside.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const distEntry = path.join(root, 'packages/sandbox/dist/index.js');
if (!existsSync(distEntry)) {
  console.error(
    `Build the sandbox first: pnpm turbo run build --filter @kling-avatar/sandbox (${distEntry} missing)`,
  );
  process.exit(1);
}
const { renderAvatarVideo, resolveFfmpeg } = await import(distEntry);
const { OUTPUT_RESOLUTION } = await import(path.join(root, 'packages/core/dist/index.js'));

const CLIP_SECONDS = 10;
const RUNS = 3;
const TARGET_SPEED = 5;
const modes = process.argv.includes('--std-only') ? ['std'] : ['std', 'pro'];

const assets = path.join(root, 'examples/assets');
const image = path.join(assets, 'presenter.png');
const work = mkdtempSync(path.join(tmpdir(), 'sandbox-render-bench-'));

/** CPU seconds used by reaped child processes (ffmpeg), from /proc on Linux; undefined elsewhere. */
function childCpuSeconds() {
  try {
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
    // After "pid (comm) ", field 3 is state; cutime and cstime are fields 16 and 17 (1-based).
    return (Number(fields[13]) + Number(fields[14])) / 100; // USER_HZ is 100 on Linux
  } catch {
    return undefined;
  }
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

try {
  const ffmpeg = resolveFfmpeg();
  // A 10 s speech track: both example lines back to back, padded with silence to exactly 10 s.
  const audio = path.join(work, 'speech-10s.wav');
  execFileSync(ffmpeg.path, [
    '-hide_banner',
    '-loglevel',
    'error',
    '-y',
    '-i',
    path.join(assets, 'welcome.wav'),
    '-i',
    path.join(assets, 'release-notes.wav'),
    '-filter_complex',
    '[0:a][1:a]concat=n=2:v=0:a=1,apad',
    '-t',
    String(CLIP_SECONDS),
    '-ar',
    '22050',
    '-ac',
    '1',
    audio,
  ]);

  console.log(
    `sandbox render bench: ${CLIP_SECONDS} s clip, ${RUNS} runs per mode, ffmpeg from ${ffmpeg.source} ` +
      `(${ffmpeg.path}), ${availableParallelism()} CPUs, load average ${loadavg()
        .map((value) => value.toFixed(2))
        .join(' ')}`,
  );

  let failed = false;
  for (const mode of modes) {
    const { width, height } = OUTPUT_RESOLUTION[mode];
    const walls = [];
    const cpus = [];
    for (let run = 1; run <= RUNS; run++) {
      const output = path.join(work, `${mode}-${run}.mp4`);
      const cpuBefore = childCpuSeconds();
      const started = performance.now();
      await renderAvatarVideo({ imagePath: image, audioPath: audio, outputPath: output, width, height });
      const wall = (performance.now() - started) / 1000;
      const cpuAfter = childCpuSeconds();
      walls.push(wall);
      if (cpuBefore !== undefined && cpuAfter !== undefined) cpus.push(cpuAfter - cpuBefore);
      console.log(
        `  ${mode} run ${run}: ${wall.toFixed(2)} s wall` +
          (cpus.length === run ? `, ${cpus[run - 1].toFixed(2)} s ffmpeg CPU` : ''),
      );
    }
    const medianWall = median(walls);
    const speed = CLIP_SECONDS / medianWall;
    const gated = mode === 'std';
    const verdict = gated ? (speed >= TARGET_SPEED ? 'PASS' : 'FAIL') : 'info';
    if (gated && speed < TARGET_SPEED) failed = true;
    console.log(
      `${verdict} ${mode} ${width}x${height}: median ${medianWall.toFixed(2)} s for ${CLIP_SECONDS} s of video = ` +
        `${speed.toFixed(1)}x real time${gated ? ` (target >= ${TARGET_SPEED}x)` : ''}` +
        (cpus.length ? `; median ffmpeg CPU ${median(cpus).toFixed(2)} s` : ''),
    );
  }
  if (failed && process.argv.includes('--strict')) process.exitCode = 1;
} finally {
  rmSync(work, { recursive: true, force: true });
}
