import type { StoreErrorCode } from '../store.js';

/**
 * Our own retry policy. gaxios retries POST not at all and never adds jitter, and Sheets quotas
 * refill per minute, so the client runs with retry:false and every call goes through here.
 */

export interface RetryPolicy {
  /** Hard bound on the whole operation, retries and waits included (the collector's interval). */
  maxElapsedMs: number;
  /** First backoff ceiling; doubles per attempt. */
  baseMs?: number;
  /** Largest single wait, as in Google's guidance (32–64 s). */
  capMs?: number;
}

export interface ErrorInfo {
  /** HTTP status, absent for network errors and timeouts. */
  status?: number;
  code?: string;
  message: string;
  retryable: boolean;
  /**
   * True when the request may have been applied although it failed (5xx, timeout, reset): the
   * caller must re-read what landed before resending a non-idempotent write.
   */
  ambiguous: boolean;
}

/**
 * Reduces any error to fields that are safe to log. GaxiosError carries the request config,
 * including the Authorization header, so the error object itself must never reach a logger.
 */
export function describeError(err: unknown): ErrorInfo {
  const e = (err ?? {}) as { status?: unknown; code?: unknown; message?: unknown; name?: unknown; response?: { status?: unknown } };
  const statusRaw = e.status ?? e.response?.status;
  const status = typeof statusRaw === 'number' ? statusRaw : undefined;
  const code = typeof e.code === 'string' ? e.code : typeof e.name === 'string' && e.name !== 'Error' ? e.name : undefined;
  // An API-key client puts the key in the URL, and network errors quote the URL.
  const message = (typeof e.message === 'string' ? e.message : String(err))
    .replace(/([?&](?:key|access_token)=)[^&\s]+/gi, '$1[redacted]')
    .slice(0, 300);
  if (status === undefined) return { code, message, retryable: true, ambiguous: true };
  if (status === 429) return { status, code, message, retryable: true, ambiguous: false };
  const transient = status === 408 || status >= 500;
  return { status, code, message, retryable: transient, ambiguous: transient };
}

/** Thrown (as `code`) when the Sheet answers with data this build cannot read. */
export const INVALID_DATA = 'EINVALIDDATA';

/** The public cause of a failed call; the message stays in the log (it can quote the spreadsheet id). */
export function storeErrorCode(info: Pick<ErrorInfo, 'status' | 'code'>): StoreErrorCode {
  if (info.code === INVALID_DATA) return 'invalid-data';
  if (info.status === undefined || info.status === 408 || info.status >= 500) return 'unreachable';
  if (info.status === 429) return 'rate-limited';
  if (info.status === 401 || info.status === 403) return 'denied';
  if (info.status === 404) return 'not-found';
  return 'rejected';
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, ms)));

/** "Full jitter": a uniform wait below an exponentially growing ceiling spreads competing clients. */
export function backoffMs(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const base = policy.baseMs ?? 1000;
  const cap = policy.capMs ?? 32_000;
  return Math.floor(random() * Math.min(cap, base * 2 ** attempt));
}

export interface RetryOutcome<T> {
  ok: boolean;
  value?: T;
  error?: ErrorInfo;
  attempts: number;
}

/**
 * Runs `fn` until it succeeds, fails permanently, or too little of the deadline is left to try again.
 * `fn` receives the time left so it can bound its own request with a timeout. Never throws.
 */
export async function withRetry<T>(
  fn: (remainingMs: number, attempt: number) => Promise<T>,
  policy: RetryPolicy,
  opts: { now?: () => number; random?: () => number; onRetry?: (info: ErrorInfo, waitMs: number) => void } = {},
): Promise<RetryOutcome<T>> {
  // Real time, not the injected clock: the deadline protects the collector's wall-clock interval.
  const clock = opts.now ?? Date.now;
  const deadline = clock() + policy.maxElapsedMs;
  let attempt = 0;
  for (;;) {
    const remaining = deadline - clock();
    if (remaining <= 0) {
      return { ok: false, attempts: attempt, error: { message: 'retry deadline reached', retryable: true, ambiguous: false } };
    }
    try {
      const value = await fn(remaining, attempt);
      return { ok: true, value, attempts: attempt + 1 };
    } catch (err) {
      const info = describeError(err);
      attempt++;
      // Keep a slice of the budget for the attempt itself; a wait that would eat it is cut short
      // so the last try still happens inside the deadline instead of the budget going unused.
      const usable = deadline - clock() - Math.min(1000, policy.maxElapsedMs / 5);
      if (!info.retryable || usable <= 0) return { ok: false, error: info, attempts: attempt };
      const wait = Math.min(backoffMs(attempt - 1, policy, opts.random), usable);
      opts.onRetry?.(info, wait);
      await sleep(wait);
    }
  }
}
