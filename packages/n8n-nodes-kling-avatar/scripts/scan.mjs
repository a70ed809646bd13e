#!/usr/bin/env node
// Runs n8n's community-package scanner (@n8n/scan-community-package) on this package the way n8n runs it
// on a published version, without publishing: `npm pack`, unpack, then its two ESLint legs — the
// compiled tarball (every .js, vendored core included, plus package.json) and the sources. The
// registry-only steps (provenance attestation, fetching the attested commit) need a real publish and
// are not reproduced here.
//
// The scanner is installed outside the repository (~/.cache/kling-avatar-kit/scan-<version>): its
// published package pins typescript 7.0.2, the native build without a JavaScript API, which crashes
// @typescript-eslint/parser ("Cannot read properties of undefined (reading 'Cjs')"). The cached
// install overrides typescript to 5.9.3, something this package's own package.json may not do
// (n8n's lint bans an "overrides" field in community packages).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const SCANNER_VERSION = '0.32.0';
const scannerHome = join(homedir(), '.cache', 'kling-avatar-kit', `scan-${SCANNER_VERSION}`);
const scannerModule = join(
  scannerHome,
  'node_modules',
  '@n8n',
  'scan-community-package',
  'scanner',
  'scanner.mjs',
);

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const workDirectory = mkdtempSync(join(tmpdir(), 'kling-n8n-scan-'));

function run(command, args, cwd) {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8' });
  if (result.status !== 0) {
    console.error(`scan: ${command} ${args.join(' ')} failed:\n${result.stdout}${result.stderr}`);
    process.exit(1);
  }
  return result.stdout;
}

if (!existsSync(scannerModule)) {
  mkdirSync(scannerHome, { recursive: true });
  writeFileSync(
    join(scannerHome, 'package.json'),
    JSON.stringify({
      private: true,
      dependencies: { '@n8n/scan-community-package': SCANNER_VERSION },
      overrides: { typescript: '5.9.3' },
    }),
  );
  console.log(`scan: installing @n8n/scan-community-package@${SCANNER_VERSION} into ${scannerHome}`);
  run('npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund'], scannerHome);
}

try {
  run('npm', ['pack', '--pack-destination', workDirectory], packageRoot);
  const tarball = readdirSync(workDirectory).find((file) => file.endsWith('.tgz'));
  const unpacked = join(workDirectory, 'package');
  run('tar', ['-xzf', join(workDirectory, tarball)], workDirectory);
  const files = run('tar', ['-tzf', join(workDirectory, tarball)], workDirectory)
    .trim()
    .split('\n');
  console.log(`scan: ${tarball} holds ${files.length} files:\n  ${files.join('\n  ')}`);

  const { analyzePackage, SOURCE_FILE_PATTERNS } = await import(pathToFileURL(scannerModule).href);
  const legs = [
    {
      name: 'tarball (**/*.js, package.json)',
      result: await analyzePackage(unpacked, ['**/*.js', 'package.json']),
    },
    {
      name: `sources (${SOURCE_FILE_PATTERNS.join(', ')})`,
      result: await analyzePackage(packageRoot, SOURCE_FILE_PATTERNS),
    },
  ];
  let passed = true;
  for (const { name, result } of legs) {
    console.log(
      `scan: ${result.passed ? 'PASS' : 'FAIL'} ${name}${result.message ? ` — ${result.message}` : ''}`,
    );
    if (result.details) console.log(result.details);
    passed &&= result.passed;
  }
  process.exitCode = passed ? 0 : 1;
} finally {
  rmSync(workDirectory, { recursive: true, force: true });
}
