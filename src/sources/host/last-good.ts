/**
 * The last good answer of a slow call, reused while it is younger than a bounded age. Only settled
 * answers are kept: a call that rejects or hangs leaves the previous value in place (or nothing),
 * so a fault can never be replayed from the cache after it has cleared.
 */
export interface LastGood<T> {
  /** The cached value if younger than its age limit, else the result of a fresh call. */
  get(): Promise<T>;
}

/**
 * @param maxAgeMs how long a value may be reused; a function so the bound can depend on the value
 *   (a machine without temperature sensors keeps that answer longer than a reading).
 * @param clock monotonic milliseconds.
 */
export function lastGood<T>(fetch: () => Promise<T>, maxAgeMs: (value: T) => number, clock: () => number): LastGood<T> {
  let last: { value: T; at: number } | undefined;
  return {
    async get() {
      if (last && clock() - last.at < maxAgeMs(last.value)) return last.value;
      const at = clock();
      const value = await fetch();
      last = { value, at };
      return value;
    },
  };
}
