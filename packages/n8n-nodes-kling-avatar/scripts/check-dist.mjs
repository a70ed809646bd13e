#!/usr/bin/env node
// After the build: the published dist/ must run with nothing but n8n-workflow installed. Every
// require() in dist/**/*.js is either a module n8n Cloud allows or a relative path that resolves inside
// dist/ (in particular the vendored core), and every file the package.json "n8n" section lists exists.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(packageRoot, 'dist');
const ALLOWED = new Set([
  'n8n-workflow',
  'lodash',
  'moment',
  'p-limit',
  'luxon',
  'zod',
  'crypto',
  'node:crypto',
]);
const problems = [];

function* walk(directory) {
  for (const entry of readdirSync(directory)) {
    const path = join(directory, entry);
    if (statSync(path).isDirectory()) yield* walk(path);
    else yield path;
  }
}

function resolvesInsideDist(fromFile, specifier) {
  const base = resolve(dirname(fromFile), specifier);
  if (!base.startsWith(dist)) return false;
  return [base, `${base}.js`, `${base}.json`, join(base, 'index.js')].some((candidate) =>
    existsSync(candidate),
  );
}

let files = 0;
for (const file of walk(dist)) {
  if (!file.endsWith('.js')) continue;
  files++;
  const source = readFileSync(file, 'utf8');
  for (const match of source.matchAll(/\brequire\(\s*["']([^"']+)["']\s*\)/g)) {
    const specifier = match[1];
    const where = relative(packageRoot, file);
    if (specifier.startsWith('.')) {
      if (!resolvesInsideDist(file, specifier))
        problems.push(`${where}: require("${specifier}") does not resolve inside dist/`);
    } else if (!ALLOWED.has(specifier)) {
      problems.push(`${where}: require("${specifier}") is not a module n8n allows community nodes to load`);
    }
  }
}

const manifest = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8'));
for (const path of [...(manifest.n8n?.nodes ?? []), ...(manifest.n8n?.credentials ?? [])]) {
  if (!existsSync(join(packageRoot, path)))
    problems.push(`package.json n8n section lists ${path}, which the build did not produce`);
}
if (!existsSync(join(dist, 'vendor', 'kling-avatar-core.js')))
  problems.push('dist/vendor/kling-avatar-core.js is missing');

if (problems.length > 0) {
  console.error(`check-dist: ${problems.length} problem(s):\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(
  `check-dist: ${files} JavaScript files in dist/ load only n8n-workflow, node:crypto and files inside dist/.`,
);
