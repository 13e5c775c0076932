import { snapshotSchema, SNAPSHOT_VERSION, type HistoryPoint, type Snapshot } from '../../snapshot/schema.js';
import type { SnapshotStore, StoreHealth } from '../store.js';
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
  /** History rows kept before the oldest are deleted. Default: what fits in 90% of 10M cells. */
  historyMaxRows?: number;
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

/**
 * The Google Sheets store. Writes go through the outbox and the writer (one atomic batchUpdate per
 * cycle, own retries bounded by the interval); reads go through a single-flight TTL cache that
 * performs one values.batchGet of both tabs per TTL and serves the last good data when Google fails.
 */
export class SheetsStore implements SnapshotStore {
  readonly kind = 'sheets' as const;
  private readonly client: SheetsClient;
  private readonly writer: SheetWriter;
  private readonly reader: ReaderCache<SheetData>;
  private readonly outbox: Outbox;
  private readonly now: () => number;
  private readonly logger: Logger;
  private readonly tabs: { current: string; history: string };
  private flushing: Promise<void> | undefined;

  constructor(private readonly opts: SheetsStoreOptions) {
    if (!opts.spreadsheetId) throw new Error('sheets store: spreadsheetId is required');
    this.client = createSheetsClient({ auth: opts.auth, rootUrl: opts.rootUrl });
    this.now = opts.now ?? Date.now;
    this.logger = opts.logger ?? silent;
    this.outbox = opts.outbox ?? new MemoryOutbox();
    this.tabs = { current: opts.tabs?.current ?? 'current', history: opts.tabs?.history ?? 'history' };
    if (this.tabs.current === this.tabs.history) throw new Error('sheets store: current and history tabs must differ');
    this.writer = new SheetWriter({
      client: this.client,
      spreadsheetId: opts.spreadsheetId,
      tabs: this.tabs,
      outbox: this.outbox,
      retry: opts.retry,
      historyMaxRows: opts.historyMaxRows ?? defaultHistoryMaxRows(),
      batchLimit: 500,
      now: this.now,
      logger: this.logger,
    });
    this.reader = new ReaderCache(() => this.read(), {
      ttlMs: opts.readerTtlMs,
      now: this.now,
      onError: (info) => this.logger.warn({ status: info.status, code: info.code }, `sheets read failed: ${info.message}`),
    });
  }

  /**
   * Queues the cycle, then drains the queue in order. Resolves (never rejects for Google's sake)
   * within retry.maxElapsedMs; what could not be sent waits for the next write.
   */
  async write(snapshot: Snapshot, point: HistoryPoint): Promise<void> {
    this.outbox.enqueue(snapshot.takenAt, encodePayload(snapshot, point), this.now());
    // A drain already running will pick this cycle up; a second one would only race it.
    this.flushing ??= this.writer.flush().finally(() => {
      this.flushing = undefined;
      this.reader.invalidate();
    });
    await this.flushing;
  }

  async latest(): Promise<Snapshot | null> {
    return (await this.reader.get()).snapshot;
  }

  async history(since: number, limit?: number): Promise<HistoryPoint[]> {
    const points = (await this.reader.get()).history.map((r) => r.point).filter((p) => p.at >= since);
    return limit === undefined ? points : points.slice(Math.max(0, points.length - limit));
  }

  /** The worse of the writer's and the reader's state; either alone would hide half the story. */
  health(): StoreHealth {
    const parts = [this.writer.health(), this.reader.health()];
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

  /** Cycles not yet on the Sheet (for /health and tests). */
  pending(): number {
    return this.outbox.size();
  }

  /** Writes to the Sheet that failed (after their retries), since start: /metrics. */
  writeErrors(): number {
    return this.writer.failedFlushes;
  }

  async close(): Promise<void> {
    await this.flushing;
  }

  private async read(): Promise<SheetData> {
    let res;
    try {
      res = await this.client.spreadsheets.values.batchGet(
        {
          spreadsheetId: this.opts.spreadsheetId,
          ranges: [a1(this.tabs.current, `A:${col(CURRENT_HEADER.length)}`), a1(this.tabs.history, `A:${col(HISTORY_HEADER.length)}`)],
          valueRenderOption: 'UNFORMATTED_VALUE',
          dateTimeRenderOption: 'SERIAL_NUMBER',
          majorDimension: 'ROWS',
        },
        { timeout: this.opts.readerTimeoutMs ?? 10_000 },
      );
    } catch (err) {
      // Before the first write there are no tabs, and Google rejects ranges on missing tabs.
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
    if (tree.version !== SNAPSHOT_VERSION) {
      // Thrown so the cache keeps serving what it had and health names the mismatch.
      throw Object.assign(new Error(`current tab holds snapshot version ${String(tree.version)}, this build reads ${SNAPSHOT_VERSION}`), {
        code: INVALID_DATA,
      });
    }
    const parsed = snapshotSchema.safeParse(tree);
    if (!parsed.success)
      throw Object.assign(new Error(`current tab does not hold a valid snapshot: ${parsed.error.issues[0]?.message ?? ''}`), {
        code: INVALID_DATA,
      });
    return parsed.data;
  }
}

function col(n: number): string {
  return String.fromCharCode(64 + n);
}
