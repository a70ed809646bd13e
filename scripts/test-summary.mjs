#!/usr/bin/env node
// Reads a test log on stdin and prints one closing line, "N passed, N failed", summed over every
// vitest run in it (turbo runs one per package), so CI can read the totals at a glance.
import { text } from 'node:stream/consumers';

// biome-ignore lint/suspicious/noControlCharactersInRegex: stripping ANSI colour codes is the point.
const log = (await text(process.stdin)).replace(/\u001b\[[0-9;]*m/g, '');
let passed = 0;
let failed = 0;
let skipped = 0;
for (const line of log.split('\n')) {
  const match = /^(?:\S+:\s+)?\s*Tests\s+(.*)$/.exec(line);
  if (!match) continue;
  passed += Number(/(\d+) passed/.exec(match[1])?.[1] ?? 0);
  failed += Number(/(\d+) failed/.exec(match[1])?.[1] ?? 0);
  skipped += Number(/(\d+) skipped/.exec(match[1])?.[1] ?? 0);
}
console.log(`Tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
