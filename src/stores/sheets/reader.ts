import type { StoreHealth } from '../store.js';
import { describeError, storeErrorCode, type ErrorInfo } from './retry.js';

/**
 * A TTL cache in front of one upstream read, for the image server: Sheets allows 60 reads per
 * minute per user, so HTTP traffic must never map to Sheets calls.
 *
 * - at most one upstream read per TTL, also while Google fails (a failure counts as the attempt);
 * - concurrent callers share the read in flight (single flight);
 * - after a failure the last good value keeps being served and health turns `stale`.
 */
export class ReaderCache<T> {
  private value: T | undefined;
  private hasValue = false;
  private attemptAt = Number.NEGATIVE_INFINITY;
  private lastSuccessAt: number | null = null;
  private error: ErrorInfo | undefined;
  private inflight: Promise<void> | undefined;

  constructor(
    private readonly fetcher: () => Promise<T>,
    private readonly opts: { ttlMs: number; now: () => number; onError?: (info: ErrorInfo) => void },
  ) {}

  async get(): Promise<T> {
    if (this.opts.now() - this.attemptAt >= this.opts.ttlMs) {
      this.inflight ??= this.refresh().finally(() => {
        this.inflight = undefined;
      });
    }
    if (this.inflight) await this.inflight;
    if (this.hasValue) return this.value as T;
    throw new Error(`sheets read failed: ${this.error?.message ?? 'no data'}`);
  }

  /** After our own write the cached copy is known old; the next get reads again. */
  invalidate(): void {
    this.attemptAt = Number.NEGATIVE_INFINITY;
  }

  health(): StoreHealth {
    if (!this.error) return { status: 'ok', lastSuccessAt: this.lastSuccessAt };
    const why = `sheets read failed${this.error.status ? ` (${this.error.status})` : ''}: ${this.error.message}`;
    const code = storeErrorCode(this.error);
    return this.hasValue
      ? {
          status: 'stale',
          code,
          message: `${why}; serving data read at ${new Date(this.lastSuccessAt ?? 0).toISOString()}`,
          lastSuccessAt: this.lastSuccessAt,
        }
      : { status: 'error', code, message: why, lastSuccessAt: this.lastSuccessAt };
  }

  private async refresh(): Promise<void> {
    // Stamped before the read: an invalidate() that lands while it is in flight still wins.
    this.attemptAt = this.opts.now();
    try {
      this.value = await this.fetcher();
      this.hasValue = true;
      this.lastSuccessAt = this.opts.now();
      this.error = undefined;
    } catch (err) {
      this.error = describeError(err);
      this.opts.onError?.(this.error);
    }
  }
}
