/** Removes the temporary folders this run's test processes made (SQLite files, uploads). */
import { readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup() {
  const startedAt = Date.now();
  return () => {
    for (const name of readdirSync(tmpdir())) {
      if (!/^kav-adapter-\d+-[0-9a-f]{8}$/.test(name)) continue;
      const path = join(tmpdir(), name);
      try {
        if (statSync(path).mtimeMs >= startedAt - 1000) rmSync(path, { recursive: true, force: true });
      } catch {
        // Already gone.
      }
    }
  };
}
