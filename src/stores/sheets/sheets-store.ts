import { snapshotSchema, SNAPSHOT_VERSION, type HistoryPoint, type Snapshot } from '../../snapshot/schema.js';
import { ONLY_SERVER_ID } from '../../snapshot/server-key.js';
import { checkStoreKey, type SnapshotStore, type StoreHealth } from '../store.js';
import { createSheetsClient, type SheetsAuth, type SheetsClient } from './client.js';
import { a1, CURRENT_HEADER, defaultHistoryMaxRows, HISTORY_HEADER, parseHistory, unflattenRows, type HistoryRecord } from './layout.js';
import { MemoryOutbox, type Outbox } from './outbox.js';
import { ReaderCache } from './reader.js';
import { describeError, INVALID_DATA, type RetryPolicy } from './retry.js';
import { encodePayload, SheetWriter, type Logger } from './writer.js';

export interface SheetsStoreOptions {
  spreadsheetId: string;
  /** A service-account JWT from createSheetsAuth(), or any client googleapis accepts. */
  auth: SheetsAuth;
  /** Origin only (scheme://host[:port]); for tests and air-gapped mirrors. Default: Google. */
  rootUrl?: string;
  /** Durable queue of undelivered cycles; pass SqliteOutbox on the SQLite store's handle. */
  outbox?: Outbox;
  /** maxElapsedMs bounds one write() end to end: pass the collection interval. */
  retry: RetryPolicy;
  /** At most one Sheets read per this many ms, whatever the HTTP load. */
  readerTtlMs: number;
  /** Upper bound on one upstream read, so a hung Google does not hang image requests. */
  readerTimeoutMs?: number;
  /**
   * History rows kept per server key before the oldest are deleted. Default: what fits in 90% of
   * 10M cells for one key; with several servers pass a bound that fits them all (README's budget).
   */
  historyMaxRows?: number;
  /** The tabs of ONLY_SERVER_ID; another key's are these names followed by a space and the key. */
  tabs?: { current?: string; history?: string };
  /** Wall clock for health stamps and the reader TTL (tests pin it). */
  now?: () => number;
  logger?: Logger;
}

interface SheetData {
  snapshot: Snapshot | null;
  history: HistoryRecord[];
}

const silent: Logger = { info() {}, warn() {}, error() {} };

type Tabs = { current: string; history: string };

/**
 * Where one key's data lives. The one server of a one-server Marquee keeps the tabs it always had,
 * so an existing Sheet needs no migration; every other key gets a pair of its own, e.g.
 * `current 4k` / `history 4k` and `current _network` / `history _network`.
 */
export function tabsOf(base: Tabs, key: string): Tabs {
  return key === ONLY_SERVER_ID ? base : { current: `${base.current} ${key}`, history: `${base.history} ${key}` };
}

/** What every key's view of one spreadsheet shares: the client, the outbox, the write queue. */
class SheetsCore {
  readonly client: SheetsClient;
  readonly outbox: Outbox;
  readonly now: () => number;
  readonly logger: Logger;
  readonly base: Tabs;
  readonly views = new Map<string, SheetsServerView>();
  readonly sheetIds = { max: 0 };
  private flushing: Promise<void> | undefined;
  /** Keys with a cycle enqueued since the running flush last looked at them. */
  private readonly dirty = new Set<string>();

  constructor(readonly opts: SheetsStoreOptions) {
    if (!opts.spreadsheetId) throw new Error('sheets store: spreadsheetId is required');
    this.client = createSheetsClient({ auth: opts.auth, rootUrl: opts.rootUrl });
    this.now = opts.now ?? Date.now;
    this.logger = opts.logger ?? silent;
    this.outbox = opts.outbox ?? new MemoryOutbox();
    this.base = { current: opts.tabs?.current ?? 'current', history: opts.tabs?.history ?? 'history' };
    if (this.base.current === this.base.history) throw new Error('sheets store: current and history tabs must differ');
  }

  /** Resolves once every key's queued cycles were sent or given up on for this write. */
  flush(key: string): Promise<void> {
    this.dirty.add(key);
    // Started on the next tick, so `flushing` is set before the drain can clear it.
    this.flushing ??= Promise.resolve().then(() => this.drainAll());
    return this.flushing;
  }

  /**
   * One key at a time, each key's cycles in one atomic batch per request (the writer), so two keys
   * never race for a new tab's sheetId; every key with a backlog (a previous process's too) gets
   * its turn. The whole drain shares one retry budget: an outage costs the collector one interval,
   * not one per server.
   */
  private async drainAll(): Promise<void> {
    const deadline = performance.now() + this.opts.retry.maxElapsedMs;
    const done = new Set<string>();
    try {
      for (;;) {
        const next = [...this.dirty, ...this.outbox.servers()].find((k) => !done.has(k) || this.dirty.has(k));
        const budget = deadline - performance.now();
        if (next === undefined || budget <= 0) return;
        done.add(next);
        this.dirty.delete(next);
        let view: SheetsServerView;
        try {
          view = this.view(next);
        } catch (err) {
          // Only a hand-edited outbox holds a key no view may have; its cycles wait, the others go.
          this.logger.error({ server: next.slice(0, 40) }, `sheets outbox: ${(err as Error).message}`);
          continue;
        }
        await view.writer.flush(budget);
        view.reader.invalidate();
      }
    } finally {
      // In the same step as the decision to stop: a write from now on starts a drain of its own
      // rather than awaiting this one, which will not look at the outbox again.
      this.flushing = undefined;
    }
  }

  view(key: string): SheetsServerView {
    let view = this.views.get(key);
    if (!view) {
      checkStoreKey(key);
      const tabs = tabsOf(this.base, key);
      const taken = [...this.views.values()].flatMap((v) => [v.tabs.current, v.tabs.history]);
      if (taken.includes(tabs.current) || taken.includes(tabs.history)) {
        throw new Error(`sheets store: the tabs of '${key}' (${tabs.current}, ${tabs.history}) are another key's`);
      }
      view = new SheetsServerView(this, key, tabs);
      this.views.set(key, view);
    }
    return view;
  }

  /** The worst of every key's writer and reader; any one alone would hide part of the story. */
  health(): StoreHealth {
    const parts = [...this.views.values()].flatMap((v) =>
      [v.writer.health(), v.reader.health()].map((h) =>
        v.server === ONLY_SERVER_ID || !h.message ? h : { ...h, message: `${v.server}: ${h.message}` },
      ),
    );
    const rank = { ok: 0, stale: 1, error: 2 } as const;
    const worst = parts.reduce((a, b) => (rank[b.status] > rank[a.status] ? b : a));
    const messages = parts.map((p) => p.message).filter(Boolean);
    const stamps = parts.map((p) => p.lastSuccessAt).filter((t): t is number => t !== null);
    return {
      status: worst.status,
      ...(worst.code ? { code: worst.code } : {}),
      ...(messages.length ? { message: messages.join('; ') } : {}),
      lastSuccessAt: stamps.length ? Math.max(...stamps) : null,
    };
  }

  async close(): Promise<void> {
    await this.flushing;
  }
}

/**
 * One server key's share of the Google Sheets store. Writes go through the shared outbox and this
 * key's writer (one atomic batchUpdate per cycle, own retries bounded by the interval); reads go
 * through this key's single-flight TTL cache, one values.batchGet of its two tabs per TTL, serving
 * the last good data when Google fails.
 */
export class SheetsServerView implements SnapshotStore {
  readonly kind = 'sheets' as const;
  /** @internal */
  readonly writer: SheetWriter;
  /** @internal */
  readonly reader: ReaderCache<SheetData>;

  /** @internal Views come from SheetsStore.forServer. */
  constructor(
    protected readonly core: SheetsCore,
    readonly server: string,
    readonly tabs: Tabs,
  ) {
    const o = core.opts;
    this.writer = new SheetWriter({
      client: core.client,
      spreadsheetId: o.spreadsheetId,
      server,
      tabs,
      outbox: core.outbox,
      sheetIds: core.sheetIds,
      retry: o.retry,
      historyMaxRows: o.historyMaxRows ?? defaultHistoryMaxRows(),
      batchLimit: 500,
      now: core.now,
      logger: core.logger,
    });
    this.reader = new ReaderCache(() => this.read(), {
      ttlMs: o.readerTtlMs,
      now: core.now,
      onError: (info) => core.logger.warn({ server, status: info.status, code: info.code }, `sheets read failed: ${info.message}`),
    });
  }

  /** The store of another key on the same spreadsheet, client and outbox (an id, or NETWORK_KEY). */
  forServer(key: string): SheetsServerView {
    return this.core.view(key);
  }

  /**
   * Queues the cycle, then drains the queue in order. Resolves (never rejects for Google's sake)
   * within retry.maxElapsedMs; what could not be sent waits for the next write.
   */
  async write(snapshot: Snapshot, point: HistoryPoint): Promise<void> {
    this.core.outbox.enqueue(this.server, snapshot.takenAt, encodePayload(snapshot, point), this.core.now());
    await this.core.flush(this.server);
  }

  async latest(): Promise<Snapshot | null> {
    return (await this.reader.get()).snapshot;
  }

  async history(since: number, limit?: number): Promise<HistoryPoint[]> {
    const points = (await this.reader.get()).history.map((r) => r.point).filter((p) => p.at >= since);
    return limit === undefined ? points : points.slice(Math.max(0, points.length - limit));
  }

  /** The whole store's health, whichever key asks. */
  health(): StoreHealth {
    return this.core.health();
  }

  /** Cycles of every key not yet on the Sheet (for /health, /metrics and tests). */
  pending(): number {
    return this.core.outbox.size();
  }

  /** Writes to the Sheet that failed (after their retries), since start, every key's: /metrics. */
  writeErrors(): number {
    let n = 0;
    for (const v of this.core.views.values()) n += v.writer.failedFlushes;
    return n;
  }

  /** A view does not own the store: the root store's close() waits for the writes in flight. */
  async close(): Promise<void> {}

  private async read(): Promise<SheetData> {
    let res;
    try {
      res = await this.core.client.spreadsheets.values.batchGet(
        {
          spreadsheetId: this.core.opts.spreadsheetId,
          ranges: [a1(this.tabs.current, `A:${col(CURRENT_HEADER.length)}`), a1(this.tabs.history, `A:${col(HISTORY_HEADER.length)}`)],
          valueRenderOption: 'UNFORMATTED_VALUE',
          dateTimeRenderOption: 'SERIAL_NUMBER',
          majorDimension: 'ROWS',
        },
        { timeout: this.core.opts.readerTimeoutMs ?? 10_000 },
      );
    } catch (err) {
      // Before this key's first write there are no tabs, and Google rejects ranges on missing tabs.
      const info = describeError(err);
      if (info.status === 400 && /unable to parse range/i.test(info.message)) return { snapshot: null, history: [] };
      throw err;
    }
    const [current, history] = res.data.valueRanges ?? [];
    return { snapshot: this.parseCurrent(current?.values ?? []), history: parseHistory(history?.values ?? []) };
  }

  private parseCurrent(values: unknown[][]): Snapshot | null {
    const rows = values.slice(1);
    if (rows.length === 0) return null;
    const tree = unflattenRows(rows);
    const tab = this.tabs.current;
    if (tree.version !== SNAPSHOT_VERSION) {
      // Thrown so the cache keeps serving what it had and health names the mismatch.
      throw Object.assign(new Error(`${tab} tab holds snapshot version ${String(tree.version)}, this build reads ${SNAPSHOT_VERSION}`), {
        code: INVALID_DATA,
      });
    }
    const parsed = snapshotSchema.safeParse(tree);
    if (!parsed.success)
      throw Object.assign(new Error(`${tab} tab does not hold a valid snapshot: ${parsed.error.issues[0]?.message ?? ''}`), {
        code: INVALID_DATA,
      });
    return parsed.data;
  }
}

/**
 * The Google Sheets store on one spreadsheet. The object itself is the store of ONLY_SERVER_ID
 * (the tabs a one-server Marquee always wrote); `forServer(key)` gives every other server's and
 * the network's, sharing the client, the outbox and one write queue.
 */
export class SheetsStore extends SheetsServerView {
  constructor(opts: SheetsStoreOptions) {
    const core = new SheetsCore(opts);
    super(core, ONLY_SERVER_ID, core.base);
    core.views.set(ONLY_SERVER_ID, this);
  }

  override async close(): Promise<void> {
    await this.core.close();
  }
}

function col(n: number): string {
  return String.fromCharCode(64 + n);
}
