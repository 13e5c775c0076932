import type Database from 'better-sqlite3';

/**
 * Cycles waiting to reach the Sheet, per server key (issue 20). Keyed by (server, cycle
 * timestamp), so enqueueing the same cycle twice is a no-op, two servers' cycles of the same
 * moment never collide, and each key's delivery order is its collection order.
 */

/** Migration 004 creates the table with exactly this shape; tests use it directly. */
export const OUTBOX_DDL =
  "CREATE TABLE IF NOT EXISTS sheets_outbox (cycle_at INTEGER NOT NULL, payload TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT, enqueued_at INTEGER NOT NULL, server TEXT NOT NULL DEFAULT 'default', PRIMARY KEY (server, cycle_at))";

export interface OutboxItem {
  cycleAt: number;
  payload: string;
  attempts: number;
}

export interface Outbox {
  /** Returns false when the cycle was already queued for this server. */
  enqueue(server: string, cycleAt: number, payload: string, now: number): boolean;
  /** One server's cycles, oldest first. */
  peek(server: string, limit: number): OutboxItem[];
  remove(server: string, cycleAts: readonly number[]): void;
  markFailed(server: string, cycleAts: readonly number[], error: string): void;
  /** Cycles queued for one server, or for all of them. */
  size(server?: string): number;
  /** The servers with cycles queued (a previous process's too), in key order. */
  servers(): string[];
}

export class SqliteOutbox implements Outbox {
  private readonly stmts;

  constructor(db: Database.Database) {
    this.stmts = {
      enqueue: db.prepare('INSERT OR IGNORE INTO sheets_outbox (server, cycle_at, payload, attempts, enqueued_at) VALUES (?, ?, ?, 0, ?)'),
      peek: db.prepare('SELECT cycle_at, payload, attempts FROM sheets_outbox WHERE server = ? ORDER BY cycle_at ASC LIMIT ?'),
      remove: db.prepare('DELETE FROM sheets_outbox WHERE server = ? AND cycle_at = ?'),
      fail: db.prepare('UPDATE sheets_outbox SET attempts = attempts + 1, last_error = ? WHERE server = ? AND cycle_at = ?'),
      size: db.prepare('SELECT COUNT(*) FROM sheets_outbox').pluck(),
      sizeOf: db.prepare('SELECT COUNT(*) FROM sheets_outbox WHERE server = ?').pluck(),
      servers: db.prepare('SELECT DISTINCT server FROM sheets_outbox ORDER BY server').pluck(),
    };
    // One transaction per batch: a crash between rows must not leave half a delivery recorded.
    this.removeMany = db.transaction((server: string, ids: readonly number[]) => {
      for (const id of ids) this.stmts.remove.run(server, id);
    });
    this.failMany = db.transaction((server: string, ids: readonly number[], error: string) => {
      for (const id of ids) this.stmts.fail.run(error, server, id);
    });
  }

  private readonly removeMany: (server: string, ids: readonly number[]) => void;
  private readonly failMany: (server: string, ids: readonly number[], error: string) => void;

  enqueue(server: string, cycleAt: number, payload: string, now: number): boolean {
    return this.stmts.enqueue.run(server, cycleAt, payload, now).changes > 0;
  }

  peek(server: string, limit: number): OutboxItem[] {
    const rows = this.stmts.peek.all(server, limit) as { cycle_at: number; payload: string; attempts: number }[];
    return rows.map((r) => ({ cycleAt: r.cycle_at, payload: r.payload, attempts: r.attempts }));
  }

  remove(server: string, cycleAts: readonly number[]): void {
    this.removeMany(server, cycleAts);
  }

  markFailed(server: string, cycleAts: readonly number[], error: string): void {
    this.failMany(server, cycleAts, error.slice(0, 500));
  }

  size(server?: string): number {
    return (server === undefined ? this.stmts.size.get() : this.stmts.sizeOf.get(server)) as number;
  }

  servers(): string[] {
    return this.stmts.servers.all() as string[];
  }
}

/**
 * For the sheets-only mode, which has no database: survives outages but not restarts. Bounded per
 * server so a long outage cannot grow memory without limit; the oldest cycles go first.
 */
export class MemoryOutbox implements Outbox {
  private readonly byServer = new Map<string, Map<number, OutboxItem>>();

  constructor(private readonly maxItems = 2_000) {}

  enqueue(server: string, cycleAt: number, payload: string): boolean {
    let items = this.byServer.get(server);
    if (!items) this.byServer.set(server, (items = new Map()));
    if (items.has(cycleAt)) return false;
    items.set(cycleAt, { cycleAt, payload, attempts: 0 });
    while (items.size > this.maxItems) {
      let oldest = Number.POSITIVE_INFINITY;
      for (const k of items.keys()) oldest = Math.min(oldest, k);
      items.delete(oldest);
    }
    return true;
  }

  peek(server: string, limit: number): OutboxItem[] {
    return [...(this.byServer.get(server)?.values() ?? [])]
      .sort((a, b) => a.cycleAt - b.cycleAt)
      .slice(0, limit)
      .map((i) => ({ ...i }));
  }

  remove(server: string, cycleAts: readonly number[]): void {
    const items = this.byServer.get(server);
    for (const id of cycleAts) items?.delete(id);
    if (items?.size === 0) this.byServer.delete(server);
  }

  markFailed(server: string, cycleAts: readonly number[]): void {
    for (const id of cycleAts) {
      const item = this.byServer.get(server)?.get(id);
      if (item) item.attempts++;
    }
  }

  size(server?: string): number {
    if (server !== undefined) return this.byServer.get(server)?.size ?? 0;
    let n = 0;
    for (const items of this.byServer.values()) n += items.size;
    return n;
  }

  servers(): string[] {
    return [...this.byServer.keys()].sort();
  }
}
