#!/usr/bin/env node
// Runs every benchmark under bench/ in turn (`pnpm bench`), each in its own process so one's memory
// and JIT state cannot colour the next. Benchmarks print their own figures and PASS/FAIL lines;
// `node bench/run.mjs core` runs only the files whose name contains "core".
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const filter = process.argv[2] ?? '';
const files = readdirSync(here)
  .filter((name) => name.endsWith('.bench.mjs') && name.includes(filter))
  .sort();
let failed = 0;
for (const name of files) {
  console.log(`\n=== ${name} ===`);
  const result = spawnSync(process.execPath, ['--expose-gc', join(here, name)], { stdio: 'inherit' });
  if (result.status !== 0) {
    failed++;
    console.log(`(${name} exited with ${result.status})`);
  }
}
console.log(`\n${files.length} benchmark file(s) run, ${failed} crashed.`);
process.exit(failed > 0 ? 1 : 0);
