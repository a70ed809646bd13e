/**
 * Run `worker(0..count-1)` with at most `concurrency` running at once, in index order. The first failure
 * that `onError` does not absorb aborts `signal` for the workers still running and stops new ones; it is
 * rethrown once every worker has settled (no promise is left dangling).
 */
export async function runPool(
  count: number,
  concurrency: number,
  worker: (index: number, signal: AbortSignal) => Promise<void>,
  options: { signal?: AbortSignal; onError: (index: number, error: unknown) => boolean },
): Promise<void> {
  const controller = new AbortController();
  const forward = () => controller.abort();
  if (options.signal?.aborted) controller.abort();
  options.signal?.addEventListener('abort', forward, { once: true });
  let next = 0;
  let fatal: { error: unknown } | undefined;

  const lane = async () => {
    while (!fatal && !controller.signal.aborted && next < count) {
      const index = next++;
      try {
        await worker(index, controller.signal);
      } catch (error) {
        if (fatal) continue;
        if (!options.onError(index, error)) {
          fatal = { error };
          controller.abort();
        }
      }
    }
  };

  try {
    const lanes = Math.max(1, Math.min(Math.floor(concurrency) || 1, count));
    await Promise.all(Array.from({ length: lanes }, () => lane()));
  } finally {
    options.signal?.removeEventListener('abort', forward);
  }
  if (fatal) throw fatal.error;
}
