/**
 * Small text helpers for terminal output: aligned tables, durations, units. No dependency: the output
 * is plain columns, and keeping it in-house keeps the install small.
 */

/** Visible width of a string (ANSI colour codes do not count). */
export function visibleWidth(text: string): number {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching ANSI escape sequences is the point.
  return [...text.replace(/\u001b\[[0-9;]*m/g, '')].length;
}

export type Align = 'left' | 'right';

/** Columns padded to the widest cell; the last column is never padded (no trailing spaces). */
export function formatTable(header: string[], rows: string[][], align: Align[] = []): string {
  const all = [header, ...rows];
  const widths = header.map((_, column) => Math.max(...all.map((row) => visibleWidth(row[column] ?? ''))));
  return all
    .map((row) =>
      row
        .map((cell, column) => {
          const pad = ' '.repeat(Math.max(0, (widths[column] ?? 0) - visibleWidth(cell)));
          if (column === row.length - 1 && align[column] !== 'right') return cell;
          return align[column] === 'right' ? pad + cell : cell + pad;
        })
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** `4.2 s`, `1 min 5 s`. */
export function formatSeconds(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return '–';
  if (seconds < 60) return `${(Math.round(seconds * 100) / 100).toFixed(2)} s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes} min ${Math.round(seconds - minutes * 60)} s`;
}

/** Elapsed wall time for progress lines: `850 ms`, `12 s`, `3 min 4 s`. */
export function formatElapsed(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

/** Units as Kling writes them, with up to three decimals and no trailing zeros. */
export function formatUnitAmount(units: number | undefined): string {
  if (units === undefined || !Number.isFinite(units)) return '–';
  return String(Math.round(units * 1000) / 1000);
}

export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`;
}

/** Reduce a ratio to small integers when it is a common one (`16:9`, `4:5`), else `0.80:1`. */
export function formatAspect(width: number, height: number): string {
  const ratio = width / height;
  for (let denominator = 1; denominator <= 20; denominator++) {
    const numerator = ratio * denominator;
    if (Math.abs(numerator - Math.round(numerator)) < 0.005 && Math.round(numerator) > 0) {
      return `${Math.round(numerator)}:${denominator} (${ratio.toFixed(2)})`;
    }
  }
  return `${ratio.toFixed(2)}:1`;
}

/**
 * Parse a duration option: `90` (seconds), `90s`, `1500ms`, `15m`, `1h`. Returns milliseconds or
 * `undefined` when the text is not a duration.
 */
export function parseDuration(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|min|h)?\s*$/i.exec(text);
  if (!match) return undefined;
  const value = Number(match[1]);
  const unit = (match[2] ?? 's').toLowerCase();
  const factor = unit === 'ms' ? 1 : unit === 's' ? 1000 : unit === 'h' ? 3_600_000 : 60_000;
  return Math.round(value * factor);
}

/** ISO-like local timestamp for tables: `2026-11-23 22:41:07`. */
export function formatTimestamp(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '–';
  return new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');
}

/** `590 bytes`, `47 KB`, `1.21 MB`, with the exact byte count for anything above a kilobyte. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  const exact = `${bytes.toLocaleString('en-US')} bytes`;
  if (bytes < 1024 * 1024) return `${Math.round((bytes / 1024) * 10) / 10} KB (${exact})`;
  return `${Math.round((bytes / (1024 * 1024)) * 100) / 100} MB (${exact})`;
}
