import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSheetsClient } from '../../../src/stores/sheets/client.js';
import { HISTORY_HEADER } from '../../../src/stores/sheets/layout.js';
import { SheetsStore } from '../../../src/stores/sheets/sheets-store.js';
import { encodePayload } from '../../../src/stores/sheets/writer.js';
import { buildHealth } from '../../../src/server/health.js';
import { sampleCycle } from '../../support/sample-snapshot.js';
import { startSheetsEmulator, type SheetsEmulator } from '../../support/sheets-emulator.js';
import { captureLogger, sheetsRig, staticAuth } from '../../support/sheets-fixture.js';

let emu: SheetsEmulator;
beforeAll(async () => {
  emu = await startSheetsEmulator();
});
afterAll(async () => {
  await emu.close();
});

type Req = Record<string, Record<string, unknown>>;
const batchRequests = (i: number): Req[] => (emu.calls('spreadsheets.batchUpdate')[i]?.body as { requests: Req[] }).requests;
const kinds = (reqs: Req[]): string[] => reqs.map((r) => Object.keys(r)[0]!);
/** cycleAt column of the history tab, header excluded. */
const historyCycles = (id: string, tab = 'history'): unknown[] =>
  emu
    .cells(id, tab)
    .slice(1)
    .map((r) => r[0]);
const since = (mark: number) => emu.log.slice(mark);

describe('SheetsStore writer', () => {
  it('sends exactly one write request per cycle, the first one also creating the tabs', async () => {
    const rig = sheetsRig(emu);
    const mark = emu.log.length;
    for (let i = 0; i < 5; i++) await rig.store.write(sampleCycle(i).snapshot, sampleCycle(i).point);
    const writes = since(mark).filter((r) => r.method !== 'GET');
    expect(writes.map((r) => r.op)).toEqual(Array(5).fill('spreadsheets.batchUpdate'));
    expect(kinds(batchRequests(emu.calls('spreadsheets.batchUpdate').length - 5))).toEqual([
      'addSheet',
      'updateCells',
      'addSheet',
      'updateCells',
      'appendCells',
    ]);
    expect(kinds(batchRequests(emu.calls('spreadsheets.batchUpdate').length - 1))).toEqual(['updateCells', 'appendCells']);
    // Start-up learns the sheet once; steady state costs no reads on the write path.
    expect(since(mark).filter((r) => r.op === 'spreadsheets.get')).toHaveLength(1);
    expect(emu.cells(rig.spreadsheetId, 'history')[0]).toEqual([...HISTORY_HEADER]);
    expect(historyCycles(rig.spreadsheetId)).toEqual([0, 1, 2, 3, 4].map((i) => sampleCycle(i).snapshot.takenAt));
  });

  it('writes typed cells and never asks Google to parse input', async () => {
    const rig = sheetsRig(emu);
    const mark = emu.log.length;
    const { snapshot, point } = sampleCycle(0);
    await rig.store.write(snapshot, point);
    for (const r of since(mark)) expect(r.url).not.toMatch(/valueInputOption|USER_ENTERED/);
    const body = JSON.stringify(emu.log.at(-1)!.body);
    expect(body).not.toContain('formulaValue');
    const current = emu.cells(rig.spreadsheetId, 'current');
    expect(current.slice(0, 3)).toEqual([
      ['path', 'type', 'value'],
      ['version', 'number', 1],
      ['takenAt', 'number', snapshot.takenAt],
    ]);
    const byPath = new Map(current.map((r) => [r[0], r[2]]));
    expect(byPath.get('library.recentlyAdded[0].watching.title')).toBe('=HYPERLINK("http://evil")');
    expect(byPath.get('activity.streams[1].watching.title')).toBe('007');
    expect(byPath.get('host.transcoderRunning')).toBe(true);
    expect(byPath.get('history.windows["24h"].plays')).toBe(5);
    const hist = emu.cells(rig.spreadsheetId, 'history')[1]!;
    expect(hist).toEqual([
      snapshot.takenAt,
      point.at,
      point.streams,
      point.transcodes,
      point.bandwidthKbps,
      point.cpuPct,
      point.memPct,
      undefined,
      1,
    ]);
  });

  it('sets up idempotently on a sheet whose tabs already exist, and resumes after a restart', async () => {
    const rig = sheetsRig(emu);
    emu.addSpreadsheet(rig.spreadsheetId, ['current', 'history']);
    await rig.store.write(sampleCycle(0).snapshot, sampleCycle(0).point);
    expect(kinds(batchRequests(emu.calls('spreadsheets.batchUpdate').length - 1))).toEqual([
      'updateSheetProperties',
      'updateCells',
      'updateCells',
      'appendCells',
    ]);
    // Restart: a new store learns the sheet again and neither re-adds tabs nor rewrites the header.
    const restarted = rig.reopen();
    await restarted.write(sampleCycle(1).snapshot, sampleCycle(1).point);
    expect(kinds(batchRequests(emu.calls('spreadsheets.batchUpdate').length - 1))).toEqual(['updateCells', 'appendCells']);
    expect(historyCycles(rig.spreadsheetId)).toEqual([0, 1].map((i) => sampleCycle(i).snapshot.takenAt));
    expect(emu.grid(rig.spreadsheetId, 'history')?.rowCount).toBeGreaterThanOrEqual(3);
  });

  it('an outage of K cycles then recovery leaves exactly K+1 rows, in order, none duplicated', async () => {
    const { lines, logger } = captureLogger();
    const rig = sheetsRig(emu, { retry: { maxElapsedMs: 150, baseMs: 5 }, logger });
    await rig.store.write(sampleCycle(0).snapshot, sampleCycle(0).point);
    const K = 4;
    emu.failNext(10_000, { status: 503 });
    for (let i = 1; i <= K; i++) {
      await expect(rig.store.write(sampleCycle(i).snapshot, sampleCycle(i).point)).resolves.toBeUndefined();
      expect(rig.store.health().status).toBe('stale');
      expect(rig.store.pending()).toBe(i);
    }
    emu.clearFaults();
    const mark = emu.log.length;
    await rig.store.write(sampleCycle(K + 1).snapshot, sampleCycle(K + 1).point);
    expect(historyCycles(rig.spreadsheetId)).toEqual(Array.from({ length: K + 2 }, (_, i) => sampleCycle(i).snapshot.takenAt));
    // The backlog goes in one request: recovery does not burn K+1 units of write quota.
    expect(since(mark).filter((r) => r.op === 'spreadsheets.batchUpdate')).toHaveLength(1);
    expect(rig.store.pending()).toBe(0);
    expect(rig.store.health().status).toBe('ok');
    expect(await rig.store.latest()).toEqual(sampleCycle(K + 1).snapshot);
    expect(JSON.stringify(lines)).not.toMatch(/Bearer|test-token|authorization/i);
  });

  it('does not append twice when a write landed but its response was lost', async () => {
    const rig = sheetsRig(emu);
    await rig.store.write(sampleCycle(0).snapshot, sampleCycle(0).point);
    emu.failNext(1, { status: 500, afterApply: true, ops: ['spreadsheets.batchUpdate'] });
    const mark = emu.log.length;
    await rig.store.write(sampleCycle(1).snapshot, sampleCycle(1).point);
    // 500 → re-read what landed → nothing left to send.
    expect(since(mark).map((r) => `${r.op}:${r.status}`)).toEqual([
      'spreadsheets.batchUpdate:500',
      'spreadsheets.get:200',
      'values.batchGet:200',
    ]);
    expect(historyCycles(rig.spreadsheetId)).toEqual([0, 1].map((i) => sampleCycle(i).snapshot.takenAt));
    expect(rig.store.pending()).toBe(0);
    expect(rig.store.health().status).toBe('ok');
  });

  it('drops outbox cycles the sheet already has after a crash between write and dequeue', async () => {
    const rig = sheetsRig(emu);
    const c0 = sampleCycle(0);
    await rig.store.write(c0.snapshot, c0.point);
    rig.outbox.enqueue('default', c0.snapshot.takenAt, encodePayload(c0.snapshot, c0.point), 0);
    await rig.reopen().write(sampleCycle(1).snapshot, sampleCycle(1).point);
    expect(historyCycles(rig.spreadsheetId)).toEqual([0, 1].map((i) => sampleCycle(i).snapshot.takenAt));
  });

  it('delivers cycles queued by a previous process first, in order', async () => {
    const rig = sheetsRig(emu, { retry: { maxElapsedMs: 100, baseMs: 5 } });
    emu.failNext(10_000, { status: 429 });
    for (let i = 0; i < 3; i++) await rig.store.write(sampleCycle(i).snapshot, sampleCycle(i).point);
    emu.clearFaults();
    expect(rig.outbox.size()).toBe(3);
    // The new process has the usual budget: 100 ms (for the storm above) is too tight for a start-up
    // read plus a write on a loaded machine.
    const next = rig.reopen({ retry: { maxElapsedMs: 5_000, baseMs: 5 } });
    await next.write(sampleCycle(3).snapshot, sampleCycle(3).point);
    expect(historyCycles(rig.spreadsheetId)).toEqual([0, 1, 2, 3].map((i) => sampleCycle(i).snapshot.takenAt));
  });

  it('a 429 storm never blocks the collector past its interval', async () => {
    const interval = 300;
    const { lines, logger } = captureLogger();
    const rig = sheetsRig(emu, { retry: { maxElapsedMs: interval, baseMs: 20 }, logger });
    emu.failNext(1_000_000, { status: 429 });
    const mark = emu.log.length;
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      await rig.store.write(sampleCycle(i).snapshot, sampleCycle(i).point);
      // Slack for a loaded CI machine; without the bound these writes would retry for ever.
      expect(performance.now() - t0).toBeLessThan(interval + 700);
    }
    expect(since(mark).length).toBeGreaterThan(3); // it did retry within the budget
    expect(rig.store.health()).toMatchObject({ status: 'stale' });
    expect(rig.store.health().message).toMatch(/429/);
    expect(lines.some((l) => l.level === 'warn' && /retry/.test(l.msg ?? ''))).toBe(true);
    emu.clearFaults();
    await rig.store.write(sampleCycle(3).snapshot, sampleCycle(3).point);
    expect(historyCycles(rig.spreadsheetId)).toEqual([0, 1, 2, 3].map((i) => sampleCycle(i).snapshot.takenAt));
  });

  it('gives up on a slow response at the interval, and does not duplicate it if it landed late', async () => {
    const interval = 300;
    const rig = sheetsRig(emu, { retry: { maxElapsedMs: interval, baseMs: 20 } });
    await rig.store.write(sampleCycle(0).snapshot, sampleCycle(0).point);
    // The response is held far longer than the interval, so "gave up in time" is unambiguous even
    // on a loaded machine (the slack below is generous; without the bound the write takes 3 s).
    emu.delayNext(1, 3000, { ops: ['spreadsheets.batchUpdate'] });
    const t0 = performance.now();
    await rig.store.write(sampleCycle(1).snapshot, sampleCycle(1).point);
    expect(performance.now() - t0).toBeLessThan(interval + 1500);
    expect(rig.store.pending()).toBe(1);
    await new Promise((r) => setTimeout(r, 3200 - (performance.now() - t0)));
    // The request we gave up on was applied after all: the outbox still holds it.
    expect(historyCycles(rig.spreadsheetId)).toEqual([0, 1].map((i) => sampleCycle(i).snapshot.takenAt));
    await rig.store.write(sampleCycle(2).snapshot, sampleCycle(2).point);
    expect(historyCycles(rig.spreadsheetId)).toEqual([0, 1, 2].map((i) => sampleCycle(i).snapshot.takenAt));
  });

  it('rotates history in the same request before it passes historyMaxRows', async () => {
    const rig = sheetsRig(emu, { historyMaxRows: 5 });
    for (let i = 0; i < 8; i++) await rig.store.write(sampleCycle(i).snapshot, sampleCycle(i).point);
    expect(historyCycles(rig.spreadsheetId)).toEqual([3, 4, 5, 6, 7].map((i) => sampleCycle(i).snapshot.takenAt));
    expect(emu.grid(rig.spreadsheetId, 'history')).toMatchObject({ rowCount: 6, columnCount: HISTORY_HEADER.length });
    const last = batchRequests(emu.calls('spreadsheets.batchUpdate').length - 1);
    expect(kinds(last)).toEqual(['updateCells', 'deleteDimension', 'appendCells']);
    expect(last[1]!.deleteDimension).toMatchObject({ range: { dimension: 'ROWS', startIndex: 1, endIndex: 2 } });
    expect(await rig.store.history(0)).toEqual([3, 4, 5, 6, 7].map((i) => sampleCycle(i).point));
  });

  it('reports the cell-limit 400 as an error without retrying, keeping the cycle queued', async () => {
    const rig = sheetsRig(emu, { retry: { maxElapsedMs: 2000, baseMs: 5 } });
    emu.maxCells = 26_000 + 50; // Sheet1 alone is 1000×26
    try {
      const mark = emu.log.length;
      await rig.store.write(sampleCycle(0).snapshot, sampleCycle(0).point);
      expect(
        since(mark)
          .filter((r) => r.op === 'spreadsheets.batchUpdate')
          .map((r) => r.status),
      ).toEqual([400]);
      expect(rig.store.health().status).toBe('error');
      expect(rig.store.health().message).toMatch(/above the limit of 26050 cells/);
      expect(rig.store.pending()).toBe(1);
    } finally {
      emu.maxCells = 10_000_000;
    }
  });

  it('survives a refused connection within the interval (network error path)', async () => {
    const dead = await startSheetsEmulator();
    const deadRoot = dead.rootUrl;
    await dead.close();
    const rig = sheetsRig(emu, { rootUrl: deadRoot, retry: { maxElapsedMs: 200, baseMs: 10 } });
    const t0 = performance.now();
    await rig.store.write(sampleCycle(0).snapshot, sampleCycle(0).point);
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(rig.store.health()).toMatchObject({ status: 'stale' });
    expect(rig.outbox.peek('default', 1)[0]).toMatchObject({ attempts: 1 });
    // The same outbox drains once a store can reach Google again.
    await rig.reopen({ rootUrl: emu.rootUrl }).write(sampleCycle(1).snapshot, sampleCycle(1).point);
    expect(historyCycles(rig.spreadsheetId)).toEqual([0, 1].map((i) => sampleCycle(i).snapshot.takenAt));
  });

  it.each([
    [
      'Google unreachable',
      'unreachable',
      true,
      async () => {
        const dead = await startSheetsEmulator();
        await dead.close();
        return { rootUrl: dead.rootUrl };
      },
    ],
    ['a spreadsheet that does not exist (or was unshared)', 'not-found', false, async () => ({ spreadsheetId: 'sheet-deleted-1AbCxYz' })],
  ] as const)(
    'reports %s to /health as a code, never with the error text that can quote the spreadsheet id',
    async (_what, code, quotesId, make) => {
      const overrides: { rootUrl?: string; spreadsheetId?: string } = await make();
      const rig = sheetsRig(emu, { retry: { maxElapsedMs: 200, baseMs: 10 }, ...overrides });
      await rig.store.write(sampleCycle(0).snapshot, sampleCycle(0).point);
      const health = rig.store.health();
      expect(health).toMatchObject({ code });
      const id = overrides.spreadsheetId ?? rig.spreadsheetId;
      // What the log gets: a network error quotes the request URL, spreadsheet id included.
      expect(health.message!.includes(id)).toBe(quotesId);
      const check = buildHealth({
        snapshot: null,
        stores: [{ kind: 'sheets', health }],
        now: Date.now(),
        staleAfterMs: 60_000,
        version: 't',
      }).checks['store:sheets']![0]!;
      expect(check.output).toMatch(new RegExp(`${code}: `));
      expect(check.output).not.toContain(id);
      expect(check.output).not.toContain(health.message!);
    },
  );

  it('heals on the next cycle when someone deletes the history tab', async () => {
    const rig = sheetsRig(emu);
    await rig.store.write(sampleCycle(0).snapshot, sampleCycle(0).point);
    const client = createSheetsClient({ auth: staticAuth(), rootUrl: emu.rootUrl });
    const sheetId = emu.grid(rig.spreadsheetId, 'history')!.sheetId;
    await client.spreadsheets.batchUpdate({ spreadsheetId: rig.spreadsheetId, requestBody: { requests: [{ deleteSheet: { sheetId } }] } });
    await rig.store.write(sampleCycle(1).snapshot, sampleCycle(1).point);
    expect(rig.store.health().status).toBe('error'); // a 400 is not retried blindly
    await rig.store.write(sampleCycle(2).snapshot, sampleCycle(2).point);
    expect(rig.store.health().status).toBe('ok');
    expect(emu.cells(rig.spreadsheetId, 'history')[0]).toEqual([...HISTORY_HEADER]);
    expect(historyCycles(rig.spreadsheetId)).toEqual([1, 2].map((i) => sampleCycle(i).snapshot.takenAt));
  });

  it('only accepts an origin as rootUrl', () => {
    const base = { spreadsheetId: 'x', auth: staticAuth(), retry: { maxElapsedMs: 1 }, readerTtlMs: 1 };
    expect(() => new SheetsStore({ ...base, rootUrl: `${emu.rootUrl}prefix/` })).toThrow(/origin only/);
    expect(() => new SheetsStore({ ...base, rootUrl: 'not a url' })).toThrow(/not a URL/);
    expect(() => new SheetsStore({ ...base, rootUrl: emu.rootUrl.slice(0, -1) })).not.toThrow();
  });
});
