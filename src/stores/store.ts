import type { HistoryPoint, Snapshot } from '../snapshot/schema.js';

/** How fresh a store's answer is: readers that cache (the Sheet) report their own staleness. */
export interface StoreHealth {
  status: 'ok' | 'stale' | 'error';
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
