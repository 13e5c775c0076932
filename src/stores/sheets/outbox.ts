import type Database from 'better-sqlite3';

/**
 * Cycles waiting to reach the Sheet. Keyed by the cycle timestamp, so enqueueing the same cycle
 * twice is a no-op and delivery order is the collection order.
 */

/** The lead's SQLite migration creates the table with exactly this DDL; tests use it directly. */
export const OUTBOX_DDL =
  'CREATE TABLE IF NOT EXISTS sheets_outbox (cycle_at INTEGER PRIMARY KEY, payload TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT, enqueued_at INTEGER NOT NULL)';

export interface OutboxItem {
  cycleAt: number;
  payload: string;
  attempts: number;
}

export interface Outbox {
  /** Returns false when the cycle was already queued. */
  enqueue(cycleAt: number, payload: string, now: number): boolean;
  /** Oldest first. */
  peek(limit: number): OutboxItem[];
  remove(cycleAts: readonly number[]): void;
  markFailed(cycleAts: readonly number[], error: string): void;
  size(): number;
}

export class SqliteOutbox implements Outbox {
  private readonly stmts;

  constructor(db: Database.Database) {
    this.stmts = {
      enqueue: db.prepare('INSERT OR IGNORE INTO sheets_outbox (cycle_at, payload, attempts, enqueued_at) VALUES (?, ?, 0, ?)'),
      peek: db.prepare('SELECT cycle_at, payload, attempts FROM sheets_outbox ORDER BY cycle_at ASC LIMIT ?'),
      remove: db.prepare('DELETE FROM sheets_outbox WHERE cycle_at = ?'),
      fail: db.prepare('UPDATE sheets_outbox SET attempts = attempts + 1, last_error = ? WHERE cycle_at = ?'),
      size: db.prepare('SELECT COUNT(*) AS n FROM sheets_outbox'),
    };
    // One transaction per batch: a crash between rows must not leave half a delivery recorded.
    this.removeMany = db.transaction((ids: readonly number[]) => {
      for (const id of ids) this.stmts.remove.run(id);
    });
    this.failMany = db.transaction((ids: readonly number[], error: string) => {
      for (const id of ids) this.stmts.fail.run(error, id);
    });
  }

  private readonly removeMany: (ids: readonly number[]) => void;
  private readonly failMany: (ids: readonly number[], error: string) => void;

  enqueue(cycleAt: number, payload: string, now: number): boolean {
    return this.stmts.enqueue.run(cycleAt, payload, now).changes > 0;
  }

  peek(limit: number): OutboxItem[] {
    const rows = this.stmts.peek.all(limit) as { cycle_at: number; payload: string; attempts: number }[];
    return rows.map((r) => ({ cycleAt: r.cycle_at, payload: r.payload, attempts: r.attempts }));
  }

  remove(cycleAts: readonly number[]): void {
    this.removeMany(cycleAts);
  }

  markFailed(cycleAts: readonly number[], error: string): void {
    this.failMany(cycleAts, error.slice(0, 500));
  }

  size(): number {
    return (this.stmts.size.get() as { n: number }).n;
  }
}

/**
 * For the sheets-only mode, which has no database: survives outages but not restarts. Bounded so
 * a long outage cannot grow memory without limit; the oldest cycles go first.
 */
export class MemoryOutbox implements Outbox {
  private readonly items = new Map<number, OutboxItem>();

  constructor(private readonly maxItems = 2_000) {}

  enqueue(cycleAt: number, payload: string): boolean {
    if (this.items.has(cycleAt)) return false;
    this.items.set(cycleAt, { cycleAt, payload, attempts: 0 });
    while (this.items.size > this.maxItems) {
      let oldest = Number.POSITIVE_INFINITY;
      for (const k of this.items.keys()) oldest = Math.min(oldest, k);
      this.items.delete(oldest);
    }
    return true;
  }

  peek(limit: number): OutboxItem[] {
    return [...this.items.values()]
      .sort((a, b) => a.cycleAt - b.cycleAt)
      .slice(0, limit)
      .map((i) => ({ ...i }));
  }

  remove(cycleAts: readonly number[]): void {
    for (const id of cycleAts) this.items.delete(id);
  }

  markFailed(cycleAts: readonly number[]): void {
    for (const id of cycleAts) {
      const item = this.items.get(id);
      if (item) item.attempts++;
    }
  }

  size(): number {
    return this.items.size;
  }
}
