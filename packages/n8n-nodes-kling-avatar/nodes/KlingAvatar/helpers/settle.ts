export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

/**
 * A promise's outcome as a value. Lets retry loops inspect core's typed errors (retry class, business
 * code) and decide, without catch blocks that rethrow them; the router turns whatever escapes into
 * `NodeApiError` / `NodeOperationError` for the item.
 */
export async function settle<T>(promise: Promise<T>): Promise<Settled<T>> {
  return await promise.then(
    (value): Settled<T> => ({ ok: true, value }),
    (error: unknown): Settled<T> => ({ ok: false, error }),
  );
}
