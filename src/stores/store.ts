import type { HistoryPoint, Snapshot } from '../snapshot/schema.js';

/** Why a store is not ok, as a stable code; /health shows the code and its fixed sentence only. */
export type StoreErrorCode = 'unreachable' | 'rate-limited' | 'denied' | 'not-found' | 'rejected' | 'invalid-data' | 'full' | 'failed';

export const STORE_ERROR_MESSAGES: Readonly<Record<StoreErrorCode, string>> = {
  unreachable: 'the store did not answer (network or service outage); will retry',
  'rate-limited': 'the store is rate-limiting requests; will retry',
  denied: 'the store refused our credentials or permissions',
  'not-found': 'the store location was not found',
  rejected: 'the store rejected a request',
  'invalid-data': 'the store holds data this build cannot read',
  full: 'the disk is full where the store is kept',
  failed: 'the store failed; the server log has the cause',
};

/** How fresh a store's answer is: readers that cache (the Sheet) report their own staleness. */
export interface StoreHealth {
  status: 'ok' | 'stale' | 'error';
  /** Set when status is not ok; absent means `failed`. */
  code?: StoreErrorCode;
  /** The cause in words, for the log and tests. It may name the spreadsheet or a path: never public. */
  message?: string;
  /** Epoch ms of the last successful read or write against the backing service. */
  lastSuccessAt: number | null;
}

/**
 * The store contract every backend satisfies (one contract suite runs against each).
 *
 * - `write` persists one collection cycle atomically: the latest snapshot and one history point.
 *   Writing the same cycle (same `snapshot.takenAt`) twice must not duplicate the history point.
 * - `latest` returns the most recent snapshot written, or null when none has been.
 * - `history` returns points with `at >= since`, oldest first, at most `limit` of them (the newest).
 * - Implementations never throw on read because the backing service is down when they hold
 *   older data: they return it and report `stale` through `health()`.
 */
export interface SnapshotStore {
  readonly kind: 'sqlite' | 'sheets';
  write(snapshot: Snapshot, point: HistoryPoint): Promise<void>;
  latest(): Promise<Snapshot | null>;
  history(since: number, limit?: number): Promise<HistoryPoint[]>;
  health(): StoreHealth;
  close(): Promise<void>;
}
