import type { sheets_v4 } from '@googleapis/sheets';
import type { HistoryPoint, Snapshot } from '../../snapshot/schema.js';
import type { StoreHealth } from '../store.js';
import type { SheetsClient } from './client.js';
import { a1, CURRENT_HEADER, flattenSnapshot, HISTORY_HEADER, historyRow, row } from './layout.js';
import type { Outbox, OutboxItem } from './outbox.js';
import { describeError, storeErrorCode, withRetry, type RetryPolicy } from './retry.js';

export interface Logger {
  info(o: object, msg?: string): void;
  warn(o: object, msg?: string): void;
  error(o: object, msg?: string): void;
}

export interface WriterOptions {
  client: SheetsClient;
  spreadsheetId: string;
  /** The server key whose cycles this writer delivers (its outbox entries, its two tabs). */
  server: string;
  tabs: { current: string; history: string };
  outbox: Outbox;
  /**
   * The highest sheetId known in the spreadsheet, shared by every key's writer on it: each adds
   * its own tabs, and two writers picking the same new id would fail each other's batch.
   */
  sheetIds?: { max: number };
  retry: RetryPolicy;
  historyMaxRows: number;
  /** Cycles per request when draining a backlog; keeps a request well under Google's 2 MB advice. */
  batchLimit: number;
  now: () => number;
  logger: Logger;
}

interface Grid {
  sheetId: number;
  rows: number;
  cols: number;
}

/** What the Sheet holds, as far as this process knows; dropped whenever a write's fate is unknown. */
interface SheetState {
  current?: Grid;
  history?: Grid;
  historyHeaderOk: boolean;
  historyRows: number;
  lastCycleAt: number | null;
  /** 0-based sheet rows of history holding a cycleAt already seen higher up: late copies to delete. */
  duplicateRows: number[];
}

/**
 * A batch whose answer we never saw (timeout, 5xx, reset) may still land at Google after we have
 * re-read the Sheet and resent its cycles, leaving repeated history rows. Readers skip repeats
 * (parseHistory), and for this long after such a failure every flush re-reads the Sheet first, so
 * late copies are found and deleted in the next batch. Google gives up on a request well within it.
 */
const LATE_WRITE_WINDOW_MS = 180_000;

interface Payload {
  snapshot: Snapshot;
  point: HistoryPoint;
}

export function encodePayload(snapshot: Snapshot, point: HistoryPoint): string {
  return JSON.stringify({ snapshot, point } satisfies Payload);
}

/**
 * Drains the outbox into the Sheet, one spreadsheets.batchUpdate per request: the `current`
 * overwrite, the history append and any rotation travel together, and Google applies a batch
 * all-or-nothing, so `current` and `history` can never disagree.
 *
 * Delivery is idempotent by cycle timestamp: cycles at or before the newest cycleAt found in the
 * history tab count as delivered. After a failure that might have landed (5xx, timeout, reset)
 * the state is re-read from the Sheet before anything is resent.
 */
export class SheetWriter {
  private state: SheetState | undefined;
  private status: StoreHealth = { status: 'ok', lastSuccessAt: null };
  private lateWritesUntil = 0;
  private readonly sheetIds: { max: number };

  constructor(private readonly o: WriterOptions) {
    this.sheetIds = o.sheetIds ?? { max: 0 };
  }

  health(): StoreHealth {
    return this.status;
  }

  /** Flushes that gave up with cycles still queued, since start (/metrics). */
  failedFlushes = 0;

  /**
   * Never throws: undelivered cycles stay queued and show in health(). `budgetMs` (at most the
   * policy's maxElapsedMs) is what is left of a write that also flushes other keys.
   */
  async flush(budgetMs = this.o.retry.maxElapsedMs): Promise<void> {
    const started = performance.now();
    const policy = { ...this.o.retry, maxElapsedMs: Math.min(this.o.retry.maxElapsedMs, budgetMs) };
    const outcome = await withRetry((remainingMs) => this.drain(performance.now() + remainingMs), policy, {
      now: () => performance.now(),
      onRetry: (info, waitMs) =>
        this.o.logger.warn({ server: this.o.server, status: info.status, code: info.code, waitMs }, `sheets write retry: ${info.message}`),
    });
    if (outcome.ok) {
      const lastSuccessAt = outcome.value ? this.o.now() : this.status.lastSuccessAt;
      this.status = { status: 'ok', lastSuccessAt };
      return;
    }
    const info = outcome.error ?? { message: 'unknown', retryable: true, ambiguous: true };
    this.failedFlushes++;
    const pending = this.o.outbox.size(this.o.server);
    const ids = this.o.outbox.peek(this.o.server, this.o.batchLimit).map((i) => i.cycleAt);
    this.o.outbox.markFailed(this.o.server, ids, `${info.status ?? info.code ?? 'network'}: ${info.message}`);
    const message = `sheets write failed${info.status ? ` (${info.status})` : ''}: ${info.message}; ${pending} cycle(s) queued`;
    this.status = {
      status: info.retryable ? 'stale' : 'error',
      code: storeErrorCode(info),
      message,
      lastSuccessAt: this.status.lastSuccessAt,
    };
    // An outage is expected and self-healing (warn); a rejected request needs a person (error).
    this.o.logger[info.retryable ? 'warn' : 'error'](
      {
        server: this.o.server,
        status: info.status,
        code: info.code,
        attempts: outcome.attempts,
        pending,
        elapsedMs: Math.round(performance.now() - started),
      },
      message,
    );
  }

  /** Sends batches until the outbox is empty. Resolves true when it heard from Google at all. */
  private async drain(deadline: number): Promise<boolean> {
    let contacted = false;
    if (performance.now() < this.lateWritesUntil) this.state = undefined;
    for (;;) {
      let state = this.state;
      if (!state) {
        state = await this.sync(deadline);
        contacted = true;
      }
      const items = this.o.outbox.peek(this.o.server, this.o.batchLimit);
      if (items.length === 0) return contacted;
      const done = items.filter((i) => state.lastCycleAt !== null && i.cycleAt <= state.lastCycleAt);
      if (done.length > 0) {
        // Landed on an attempt whose answer we never saw, or older than what the Sheet has.
        this.o.outbox.remove(
          this.o.server,
          done.map((i) => i.cycleAt),
        );
        this.o.logger.info({ server: this.o.server, cycles: done.length }, 'sheets outbox: cycles already on the sheet dropped');
        continue;
      }
      const decoded = this.decode(items);
      if (decoded.length === 0) continue;
      const { requests, next } = this.buildBatch(state, decoded);
      try {
        await this.o.client.spreadsheets.batchUpdate(
          { spreadsheetId: this.o.spreadsheetId, requestBody: { requests } },
          { timeout: Math.max(1, Math.floor(deadline - performance.now())) },
        );
      } catch (err) {
        // Anything but a quota refusal may mean the Sheet differs from what we believe: it may hold
        // this batch (5xx, timeout) or have been edited (a 400 for a deleted tab). Re-learn it.
        if (describeError(err).status !== 429) {
          this.state = undefined;
          this.lateWritesUntil = performance.now() + LATE_WRITE_WINDOW_MS;
        }
        throw err;
      }
      this.state = next;
      this.o.outbox.remove(
        this.o.server,
        decoded.map((d) => d.cycleAt),
      );
      contacted = true;
    }
  }

  private decode(items: OutboxItem[]): (Payload & { cycleAt: number })[] {
    const out: (Payload & { cycleAt: number })[] = [];
    for (const item of items) {
      try {
        const p = JSON.parse(item.payload) as Payload;
        if (!p?.snapshot || !p.point) throw new Error('missing fields');
        out.push({ ...p, cycleAt: item.cycleAt });
      } catch {
        // A payload we cannot read would block every later cycle; drop it loudly instead.
        this.o.outbox.remove(this.o.server, [item.cycleAt]);
        this.o.logger.error({ server: this.o.server, cycleAt: item.cycleAt }, 'sheets outbox: unreadable payload dropped');
      }
    }
    return out;
  }

  /** Learns tab ids, grid sizes and the newest delivered cycle: 1 get + at most 1 batchGet (reads). */
  private async sync(deadline: number): Promise<SheetState> {
    const timeout = (): number => Math.max(1, Math.floor(deadline - performance.now()));
    const meta = await this.o.client.spreadsheets.get(
      { spreadsheetId: this.o.spreadsheetId, fields: 'sheets.properties(sheetId,title,gridProperties)' },
      { timeout: timeout() },
    );
    const props = (meta.data.sheets ?? []).map((s) => s.properties ?? {});
    const grid = (title: string): Grid | undefined => {
      const p = props.find((x) => x.title === title);
      if (!p || typeof p.sheetId !== 'number') return undefined;
      return { sheetId: p.sheetId, rows: p.gridProperties?.rowCount ?? 0, cols: p.gridProperties?.columnCount ?? 0 };
    };
    const state: SheetState = {
      current: grid(this.o.tabs.current),
      history: grid(this.o.tabs.history),
      historyHeaderOk: false,
      historyRows: 0,
      lastCycleAt: null,
      duplicateRows: [],
    };
    this.sheetIds.max = Math.max(this.sheetIds.max, ...props.map((p) => p.sheetId ?? 0));
    if (state.history) {
      // Reading all of column A is the price of exactly-once appends; it happens at start-up and
      // after an ambiguous failure only, and rotation keeps the column bounded.
      const res = await this.o.client.spreadsheets.values.batchGet(
        {
          spreadsheetId: this.o.spreadsheetId,
          ranges: [a1(this.o.tabs.history, '1:1'), a1(this.o.tabs.history, 'A2:A')],
          valueRenderOption: 'UNFORMATTED_VALUE',
          majorDimension: 'ROWS',
        },
        { timeout: timeout() },
      );
      const [head, colA] = res.data.valueRanges ?? [];
      const header = head?.values?.[0] ?? [];
      state.historyHeaderOk = HISTORY_HEADER.every((h, i) => header[i] === h);
      const cycles = (colA?.values ?? []).map((r) => r[0]);
      state.historyRows = cycles.length;
      // A loop, not Math.max(...): the column can hold a million values, too many for arguments.
      const seen = new Set<unknown>();
      cycles.forEach((v, i) => {
        if (typeof v !== 'number') return;
        if (seen.has(v)) state.duplicateRows.push(1 + i);
        seen.add(v);
        if (state.lastCycleAt === null || v > state.lastCycleAt) state.lastCycleAt = v;
      });
    }
    this.state = state;
    return state;
  }

  private buildBatch(
    state: SheetState,
    items: (Payload & { cycleAt: number })[],
  ): { requests: sheets_v4.Schema$Request[]; next: SheetState } {
    const requests: sheets_v4.Schema$Request[] = [];
    // Taken from the shared counter as soon as chosen: an id a failed batch never used is only skipped.
    const newSheetId = (): number => ++this.sheetIds.max;
    const newest = items[items.length - 1]!;

    const fields = flattenSnapshot(newest.snapshot);
    const currentRows = [row(CURRENT_HEADER), ...fields.map((f) => row([f.path, f.type, f.value]))];
    const cur: Grid = { sheetId: state.current?.sheetId ?? newSheetId(), rows: currentRows.length, cols: CURRENT_HEADER.length };
    if (!state.current) {
      requests.push({
        addSheet: {
          properties: { sheetId: cur.sheetId, title: this.o.tabs.current, gridProperties: { rowCount: cur.rows, columnCount: cur.cols } },
        },
      });
    } else if (state.current.rows !== cur.rows || state.current.cols !== cur.cols) {
      // An exact grid keeps the tab's cell count honest and clears rows of fields that vanished.
      requests.push({
        updateSheetProperties: {
          properties: { sheetId: cur.sheetId, gridProperties: { rowCount: cur.rows, columnCount: cur.cols } },
          fields: 'gridProperties(rowCount,columnCount)',
        },
      });
    }
    requests.push({
      updateCells: {
        range: { sheetId: cur.sheetId, startRowIndex: 0, endRowIndex: cur.rows, startColumnIndex: 0, endColumnIndex: cur.cols },
        rows: currentRows,
        fields: 'userEnteredValue',
      },
    });

    const width = HISTORY_HEADER.length;
    const hist: Grid = state.history ?? { sheetId: newSheetId(), rows: 1, cols: width };
    if (!state.history) {
      requests.push({
        addSheet: {
          properties: { sheetId: hist.sheetId, title: this.o.tabs.history, gridProperties: { rowCount: 1, columnCount: width } },
        },
      });
    } else if (hist.cols < width) {
      requests.push({
        updateSheetProperties: {
          properties: { sheetId: hist.sheetId, gridProperties: { columnCount: width } },
          fields: 'gridProperties.columnCount',
        },
      });
    }
    if (!state.historyHeaderOk) {
      requests.push({
        updateCells: {
          range: { sheetId: hist.sheetId, startRowIndex: 0, endRowIndex: 1, startColumnIndex: 0, endColumnIndex: width },
          rows: [row(HISTORY_HEADER)],
          fields: 'userEnteredValue',
        },
      });
    }

    // Late copies first, bottom-up so earlier indices stay valid; rotation then counts real rows.
    for (const [start, end] of contiguousRuns(state.duplicateRows).reverse()) {
      requests.push({ deleteDimension: { range: { sheetId: hist.sheetId, dimension: 'ROWS', startIndex: start, endIndex: end } } });
    }
    const rowsKept = state.historyRows - state.duplicateRows.length;
    const max = Math.max(1, this.o.historyMaxRows);
    const append = items.slice(-max).map((i) => row(historyRow(i.cycleAt, i.point)));
    // Rotate in the same atomic batch, before the append, so the tab never crosses the bound.
    const excess = Math.min(rowsKept, rowsKept + append.length - max);
    if (excess > 0) {
      requests.push({ deleteDimension: { range: { sheetId: hist.sheetId, dimension: 'ROWS', startIndex: 1, endIndex: 1 + excess } } });
    }
    requests.push({ appendCells: { sheetId: hist.sheetId, rows: append, fields: 'userEnteredValue' } });

    const next: SheetState = {
      current: cur,
      history: { ...hist, cols: Math.max(hist.cols, width) },
      historyHeaderOk: true,
      historyRows: rowsKept - Math.max(0, excess) + append.length,
      lastCycleAt: newest.cycleAt,
      duplicateRows: [],
    };
    return { requests, next };
  }
}

/** Sorted row indices as half-open [start, end) runs: [3, 4, 5, 9] -> [[3, 6], [9, 10]]. */
function contiguousRuns(rows: readonly number[]): [number, number][] {
  const runs: [number, number][] = [];
  for (const r of [...rows].sort((a, b) => a - b)) {
    const last = runs[runs.length - 1];
    if (last && last[1] === r) last[1] = r + 1;
    else runs.push([r, r + 1]);
  }
  return runs;
}
