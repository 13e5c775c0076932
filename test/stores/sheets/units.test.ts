import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { snapshotSchema } from '../../../src/snapshot/schema.js';
import {
  defaultHistoryMaxRows,
  flattenSnapshot,
  HISTORY_HEADER,
  historyRow,
  parseHistory,
  unflattenRows,
} from '../../../src/stores/sheets/layout.js';
import { MemoryOutbox, OUTBOX_DDL, SqliteOutbox } from '../../../src/stores/sheets/outbox.js';
import { backoffMs, describeError, INVALID_DATA, storeErrorCode, withRetry } from '../../../src/stores/sheets/retry.js';
import { samplePoint, sampleSnapshot } from '../../support/sample-snapshot.js';

describe('snapshot <-> current rows', () => {
  it('flattens with version and takenAt first and rebuilds the exact snapshot', () => {
    const s = sampleSnapshot();
    const rows = flattenSnapshot(s);
    expect(rows.slice(0, 2)).toEqual([
      { path: 'version', type: 'number', value: 1 },
      { path: 'takenAt', type: 'number', value: s.takenAt },
    ]);
    expect(rows).toContainEqual({ path: 'metrics["custom.queue depth"].value.empty', type: 'object', value: null });
    expect(rows).toContainEqual({ path: 'history.topShows', type: 'array', value: null });
    expect(rows).toContainEqual({ path: 'host.cpu.temperatureC', type: 'null', value: null });
    const back = unflattenRows(rows.map((r) => [r.path, r.type, r.value ?? undefined]));
    expect(snapshotSchema.parse(back)).toEqual(s);
  });

  it('restores empty strings that Sheets drops as trailing empty cells', () => {
    const back = unflattenRows([
      ['a.b', 'string'],
      ['a.c', 'string', ''],
    ]);
    expect(back).toEqual({ a: { b: '', c: '' } });
  });

  it('ignores rows that could pollute prototypes or are not ours', () => {
    const back = unflattenRows([
      ['__proto__.polluted', 'boolean', true],
      ['x', 'weird', 1],
      ['', 'number', 1],
      ['ok', 'number', 2],
    ]);
    expect(back).toEqual({ ok: 2 });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('history rows', () => {
  it('parses by header name, skips foreign versions and duplicate cycles, sorts by time', () => {
    const p1 = samplePoint(1000, 1);
    const p2 = samplePoint(2000, 2);
    const header = [...HISTORY_HEADER];
    const reordered = [header[8], ...header.slice(0, 8)]; // columns moved by a person
    const move = (r: unknown[]) => [r[8], ...r.slice(0, 8)];
    const rows = [
      reordered,
      move(historyRow(2000, p2)),
      move(historyRow(1000, p1)),
      move(historyRow(2000, p2)),
      move([3000, 3000, 1, 1, 1, null, null, null, 99]),
    ];
    expect(parseHistory(rows).map((r) => r.point)).toEqual([p1, p2]);
  });

  it('defaults the row bound from the 10M-cell limit', () => {
    expect(defaultHistoryMaxRows()).toBe(Math.floor(9_000_000 / HISTORY_HEADER.length) - 1);
    expect(defaultHistoryMaxRows() * HISTORY_HEADER.length).toBeLessThan(10_000_000);
  });
});

describe('outbox', () => {
  it('sqlite: idempotent by cycle, FIFO by cycle time, durable across handles', () => {
    const db = new Database(':memory:');
    db.exec(OUTBOX_DDL);
    const box = new SqliteOutbox(db);
    expect(box.enqueue('default', 30, 'c', 1)).toBe(true);
    expect(box.enqueue('default', 10, 'a', 1)).toBe(true);
    expect(box.enqueue('default', 20, 'b', 1)).toBe(true);
    expect(box.enqueue('default', 10, 'a-again', 2)).toBe(false);
    expect(box.peek('default', 2)).toEqual([
      { cycleAt: 10, payload: 'a', attempts: 0 },
      { cycleAt: 20, payload: 'b', attempts: 0 },
    ]);
    box.markFailed('default', [10], 'x'.repeat(1000));
    const again = new SqliteOutbox(db);
    expect(again.peek('default', 1)[0]!.attempts).toBe(1);
    expect((db.prepare('SELECT length(last_error) AS n FROM sheets_outbox WHERE cycle_at = 10').get() as { n: number }).n).toBe(500);
    again.remove('default', [10, 20]);
    expect(again.size()).toBe(1);
    expect(again.peek('default', 10).map((i) => i.cycleAt)).toEqual([30]);
  });

  it.each([
    ['sqlite', () => new SqliteOutbox(new Database(':memory:').exec(OUTBOX_DDL))],
    ['memory', () => new MemoryOutbox()],
  ] as const)('%s: two servers queue the same cycle time apart, and one server is emptied alone', (_kind, make) => {
    const box = make();
    expect(box.enqueue('home', 10, 'home-10', 1)).toBe(true);
    expect(box.enqueue('4k', 10, '4k-10', 1)).toBe(true);
    expect(box.enqueue('4k', 20, '4k-20', 1)).toBe(true);
    expect(box.enqueue('home', 10, 'home-10-again', 2)).toBe(false);
    expect(box.servers()).toEqual(['4k', 'home']);
    expect([box.size(), box.size('home'), box.size('4k'), box.size('_network')]).toEqual([3, 1, 2, 0]);
    expect(box.peek('home', 10).map((i) => i.payload)).toEqual(['home-10']);
    box.markFailed('4k', [10], 'boom');
    expect(box.peek('home', 1)[0]!.attempts).toBe(0);
    box.remove('4k', [10, 20]);
    expect(box.servers()).toEqual(['home']);
    expect(box.peek('home', 10).map((i) => i.payload)).toEqual(['home-10']);
  });

  it('memory: same semantics, bounded per server, dropping the oldest', () => {
    const box = new MemoryOutbox(2);
    box.enqueue('default', 3, 'c');
    box.enqueue('default', 1, 'a');
    expect(box.enqueue('default', 1, 'dup')).toBe(false);
    box.enqueue('default', 2, 'b');
    box.enqueue('4k', 1, 'other');
    expect(box.peek('default', 10).map((i) => i.cycleAt)).toEqual([2, 3]);
    expect(box.peek('4k', 10).map((i) => i.cycleAt)).toEqual([1]);
  });
});

describe('retry', () => {
  it.each([
    [{ code: 'ECONNREFUSED' }, 'unreachable'],
    [{ status: 503 }, 'unreachable'],
    [{ status: 408 }, 'unreachable'],
    [{ status: 429 }, 'rate-limited'],
    [{ status: 401 }, 'denied'],
    [{ status: 403 }, 'denied'],
    [{ status: 404 }, 'not-found'],
    [{ status: 400 }, 'rejected'],
    [{ code: INVALID_DATA }, 'invalid-data'],
  ] as const)('gives %o the public cause %s', (info, code) => {
    expect(storeErrorCode(info)).toBe(code);
  });

  it('classifies errors: 429 definite, 5xx and network ambiguous, other 4xx final', () => {
    expect(describeError({ status: 429, message: 'q' })).toMatchObject({ retryable: true, ambiguous: false });
    expect(describeError({ status: 503, message: 'u' })).toMatchObject({ retryable: true, ambiguous: true });
    expect(describeError({ code: 'ECONNRESET', message: 'r' })).toMatchObject({ retryable: true, ambiguous: true, code: 'ECONNRESET' });
    expect(describeError({ status: 403, message: 'denied' })).toMatchObject({ retryable: false });
    expect(describeError({ message: 'request to http://h/v4/x?key=SECRET&a=1 failed' }).message).toBe(
      'request to http://h/v4/x?key=[redacted]&a=1 failed',
    );
  });

  it('uses full jitter under an exponential ceiling', () => {
    const policy = { maxElapsedMs: 1, baseMs: 100, capMs: 1000 };
    expect(backoffMs(0, policy, () => 0.999)).toBe(99);
    expect(backoffMs(3, policy, () => 0.5)).toBe(400);
    expect(backoffMs(10, policy, () => 0.999)).toBe(999);
    expect(backoffMs(2, policy, () => 0)).toBe(0);
  });

  it('stops at the deadline and on permanent errors, and never throws', async () => {
    let calls = 0;
    const t0 = performance.now();
    const out = await withRetry(
      async () => {
        calls++;
        throw Object.assign(new Error('quota'), { status: 429 });
      },
      { maxElapsedMs: 120, baseMs: 10 },
    );
    expect(out).toMatchObject({ ok: false, error: { status: 429 } });
    expect(calls).toBeGreaterThan(1);
    expect(performance.now() - t0).toBeLessThan(600);

    calls = 0;
    const final = await withRetry(
      async () => {
        calls++;
        throw Object.assign(new Error('nope'), { status: 400 });
      },
      { maxElapsedMs: 1000 },
    );
    expect([final.ok, calls]).toEqual([false, 1]);

    const ok = await withRetry(
      async (_left, attempt) => {
        if (attempt < 2) throw Object.assign(new Error('x'), { status: 500 });
        return 'done';
      },
      { maxElapsedMs: 1000, baseMs: 1 },
    );
    expect(ok).toMatchObject({ ok: true, value: 'done', attempts: 3 });
  });
});
