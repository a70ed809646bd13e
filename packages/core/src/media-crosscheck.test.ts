import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { jpeg, png } from '../test/fixtures.js';
import { bytesSource } from './byte-source.js';
import { inspectImage } from './media-image.js';

// Optional: when ImageMagick is installed, check that the generated fixtures are real, decodable images
// and that inspectImage agrees with it. Skipped (not failed) elsewhere.
function hasIdentify(): boolean {
  try {
    execFileSync('identify', ['-version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const directory = mkdtempSync(join(tmpdir(), 'kling-media-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe.skipIf(!hasIdentify())('cross-check against ImageMagick identify', () => {
  it.each([
    ['png', () => png(640, 480)],
    ['baseline jpeg with EXIF', () => jpeg(301, 752, { exif: true })],
    ['progressive jpeg', () => jpeg(1000, 400, { progressive: true })],
    ['jpeg with fill bytes', () => jpeg(333, 444, { fillBytes: 5 })],
  ])('%s', (name, make) => {
    const bytes = make();
    const file = join(directory, `${name.replace(/\W+/g, '-')}.img`);
    writeFileSync(file, bytes);
    // %m format, %w×%h size; ImageMagick decodes the pixels, so a broken fixture fails here.
    const [format, width, height] = execFileSync('identify', ['-format', '%m %w %h', file], {
      encoding: 'utf8',
    })
      .trim()
      .split(' ');
    const info = inspectImage(bytesSource(bytes));
    expect({ format: info.format.toUpperCase(), width: info.width, height: info.height }).toEqual({
      format,
      width: Number(width),
      height: Number(height),
    });
  });
});
