import type { HistoryPoint, Snapshot } from '../snapshot/schema.js';
import { isServerId, NETWORK_KEY } from '../snapshot/server-key.js';

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
 * - Every server of a Marquee (issue 20) has its own latest snapshot and history: `forServer(key)`
 *   is the store of one key, sharing this store's connection. No key sees another's data, and a
 *   write to one key leaves every other key's latest and history untouched. The store object
 *   itself is the store of ONLY_SERVER_ID, so one-server code never names a key.
 * - A view's `close()` does nothing (the store it came from owns the connection); its `health()`
 *   is the whole store's.
 */
export interface SnapshotStore {
  readonly kind: 'sqlite' | 'sheets';
  /** The store of `key`: a server id (isServerId) or NETWORK_KEY; throws on anything else. */
  forServer(key: string): SnapshotStore;
  write(snapshot: Snapshot, point: HistoryPoint): Promise<void>;
  latest(): Promise<Snapshot | null>;
  history(since: number, limit?: number): Promise<HistoryPoint[]>;
  health(): StoreHealth;
  close(): Promise<void>;
}

/** A store key is a server id or the network's key; anything else is a wiring bug, said loudly. */
export function checkStoreKey(key: string): void {
  if (key !== NETWORK_KEY && !isServerId(key)) {
    throw new Error(`not a server id: ${JSON.stringify(key.slice(0, 40))} (a lower-case slug, or '${NETWORK_KEY}' for the network)`);
  }
}
