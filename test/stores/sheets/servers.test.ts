import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HISTORY_HEADER } from '../../../src/stores/sheets/layout.js';
import { sampleCycle } from '../../support/sample-snapshot.js';
import { startSheetsEmulator, type LoggedRequest, type SheetsEmulator } from '../../support/sheets-emulator.js';
import { fakeClock, sheetsRig } from '../../support/sheets-fixture.js';

/**
 * Several servers on one spreadsheet (issue 20), through the real Google client against the
 * loopback emulator. Oracle: the emulator's own tabs, grids and request log, and the cycles the
 * test wrote; tab names are written out here as a person sees them in the Sheet.
 */

let emu: SheetsEmulator;
beforeAll(async () => {
  emu = await startSheetsEmulator();
});
afterAll(async () => {
  await emu.close();
});
// A failed case must not leave its injected outage to the next one.
afterEach(() => emu.clearFaults());

/** A cycle of server number `s` (so two servers' cycles differ in every history value). */
const cycleOf = (s: number, i: number) => {
  const c = sampleCycle(i);
  c.point.streams = 10 * s + i;
  return c;
};
const historyCycles = (id: string, tab: string): unknown[] =>
  emu
    .cells(id, tab)
    .slice(1)
    .map((r) => r[0]);
const historyStreams = (id: string, tab: string): unknown[] =>
  emu
    .cells(id, tab)
    .slice(1)
    .map((r) => r[2]);
const writesSince = (mark: number): LoggedRequest[] => emu.log.slice(mark).filter((r) => r.op === 'spreadsheets.batchUpdate');
/** The sheetIds one batchUpdate touches, whatever the request kind. */
const sheetIdsOf = (r: LoggedRequest): Set<number> => {
  const ids = new Set<number>();
  JSON.stringify(r.body, (k, v: unknown) => {
    if (k === 'sheetId' && typeof v === 'number') ids.add(v);
    return v;
  });
  return ids;
};

describe('SheetsStore with several servers', () => {
  it('gives each server a pair of tabs of its own, each cycle of each server one atomic request', async () => {
    const rig = sheetsRig(emu);
    const home = rig.store.forServer('home');
    const fourK = rig.store.forServer('4k');
    const mark = emu.log.length;
    // The collector writes every server's cycle at once.
    for (let i = 0; i < 3; i++)
      await Promise.all([
        home.write(cycleOf(1, i).snapshot, cycleOf(1, i).point),
        fourK.write(cycleOf(2, i).snapshot, cycleOf(2, i).point),
      ]);
    const writes = writesSince(mark);
    expect(writes.map((w) => w.status)).toEqual(Array(6).fill(200));
    const tabs = {
      home: [emu.grid(rig.spreadsheetId, 'current home')!.sheetId, emu.grid(rig.spreadsheetId, 'history home')!.sheetId],
      fourK: [emu.grid(rig.spreadsheetId, 'current 4k')!.sheetId, emu.grid(rig.spreadsheetId, 'history 4k')!.sheetId],
    };
    // Atomic per server: a request touches the two tabs of one server only.
    for (const w of writes) {
      const ids = [...sheetIdsOf(w)].sort();
      expect([tabs.home.toSorted(), tabs.fourK.toSorted()]).toContainEqual(ids);
    }
    expect(emu.grid(rig.spreadsheetId, 'current')).toBeUndefined();
    expect(emu.cells(rig.spreadsheetId, 'history 4k')[0]).toEqual([...HISTORY_HEADER]);
    const at = [0, 1, 2].map((i) => sampleCycle(i).snapshot.takenAt);
    expect(historyCycles(rig.spreadsheetId, 'history home')).toEqual(at);
    expect(historyCycles(rig.spreadsheetId, 'history 4k')).toEqual(at);
    expect(historyStreams(rig.spreadsheetId, 'history home')).toEqual([10, 11, 12]);
    expect(historyStreams(rig.spreadsheetId, 'history 4k')).toEqual([20, 21, 22]);
    expect(await home.history(0)).toEqual([0, 1, 2].map((i) => cycleOf(1, i).point));
  });

  it("keeps a one-server Sheet's tabs for the default server and puts the network beside them", async () => {
    const rig = sheetsRig(emu);
    await rig.store.write(cycleOf(0, 0).snapshot, cycleOf(0, 0).point);
    await rig.store.forServer('_network').write(cycleOf(9, 0).snapshot, cycleOf(9, 0).point);
    expect(historyStreams(rig.spreadsheetId, 'history')).toEqual([0]);
    expect(historyStreams(rig.spreadsheetId, 'history _network')).toEqual([90]);
    expect(emu.cells(rig.spreadsheetId, 'current _network')[1]).toEqual(['version', 'number', 1]);
  });

  it("does not give a server's new tabs the sheetId another server's tabs took while it waited", async () => {
    const rig = sheetsRig(emu, { retry: { maxElapsedMs: 150, baseMs: 5 } });
    const home = rig.store.forServer('home');
    // home learns the Sheet, then its first request (adding its tabs) is refused for quota.
    emu.failNext(10_000, { status: 429, ops: ['spreadsheets.batchUpdate'] });
    await home.write(cycleOf(1, 0).snapshot, cycleOf(1, 0).point);
    expect(rig.store.pending()).toBe(1);
    emu.clearFaults();
    await rig.store.forServer('4k').write(cycleOf(2, 0).snapshot, cycleOf(2, 0).point);
    const mark = emu.log.length;
    await home.write(cycleOf(1, 1).snapshot, cycleOf(1, 1).point);
    expect(writesSince(mark).map((w) => w.status)).toEqual([200]);
    expect(historyStreams(rig.spreadsheetId, 'history home')).toEqual([10, 11]);
    expect(historyStreams(rig.spreadsheetId, 'history 4k')).toEqual([20]);
    expect(rig.store.health().status).toBe('ok');
  });

  it('an outage costs the collector one write budget for all servers, and every backlog goes out after it', async () => {
    const budget = 400;
    const rig = sheetsRig(emu, { retry: { maxElapsedMs: budget, baseMs: 20 } });
    const servers = ['a', 'b', 'c', 'd', 'e'];
    await Promise.all(servers.map((s, n) => rig.store.forServer(s).write(cycleOf(n, 0).snapshot, cycleOf(n, 0).point)));
    emu.failNext(1_000_000, { status: 503 });
    const t0 = performance.now();
    await Promise.all(servers.map((s, n) => rig.store.forServer(s).write(cycleOf(n, 1).snapshot, cycleOf(n, 1).point)));
    // One budget per server would be 5 x 400 ms; the slack is for a loaded machine.
    expect(performance.now() - t0).toBeLessThan(budget + 900);
    expect(rig.store.pending()).toBe(servers.length);
    expect(rig.store.health()).toMatchObject({ status: 'stale', code: 'unreachable' });
    emu.clearFaults();
    // After a restart, one server's next cycle sends every server's queued one too.
    const next = rig.reopen({ retry: { maxElapsedMs: 5_000, baseMs: 5 } });
    await next.forServer('a').write(cycleOf(0, 2).snapshot, cycleOf(0, 2).point);
    expect(next.pending()).toBe(0);
    expect(historyStreams(rig.spreadsheetId, 'history a')).toEqual([0, 1, 2]);
    for (const [n, s] of servers.entries())
      if (n > 0) expect(historyStreams(rig.spreadsheetId, `history ${s}`)).toEqual([10 * n, 10 * n + 1]);
    expect(next.health().status).toBe('ok');
  });

  it("reads each server's own two tabs, once per TTL whatever the traffic", async () => {
    const rig = sheetsRig(emu);
    for (let i = 0; i < 2; i++) {
      await rig.store.forServer('home').write(cycleOf(1, i).snapshot, cycleOf(1, i).point);
      await rig.store.forServer('4k').write(cycleOf(2, i).snapshot, cycleOf(2, i).point);
    }
    const clock = fakeClock();
    const renderer = rig.reopen({ readerTtlMs: 60_000, now: clock.now });
    const mark = emu.log.length;
    const request = (key: string) => Promise.all([renderer.forServer(key).latest(), renderer.forServer(key).history(0)]);
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => request(i % 2 ? 'home' : '4k')));
    const reads = emu.log.slice(mark).filter((r) => r.op === 'values.batchGet');
    const ranges = reads.map((r) => new URL(r.url, 'http://x').searchParams.getAll('ranges').sort());
    expect(ranges.sort()).toEqual([
      ["'current 4k'!A:C", "'history 4k'!A:I"],
      ["'current home'!A:C", "'history home'!A:I"],
    ]);
    expect(answers[1]![1]).toEqual([0, 1].map((i) => cycleOf(1, i).point));
    expect(answers[0]![1]).toEqual([0, 1].map((i) => cycleOf(2, i).point));
    // A server never written reads as empty, not as an error, and costs its own one read.
    expect(await renderer.forServer('_network').latest()).toBeNull();
    expect(renderer.health().status).toBe('ok');
  });

  it('bounds every server alike: (historyMaxRows + 1) x 9 history cells and (fields + 1) x 3 current cells', async () => {
    const rig = sheetsRig(emu, { historyMaxRows: 5 });
    for (let i = 0; i < 8; i++) {
      await rig.store.forServer('home').write(cycleOf(1, i).snapshot, cycleOf(1, i).point);
      await rig.store.forServer('_network').write(cycleOf(9, i).snapshot, cycleOf(9, i).point);
    }
    for (const key of ['home', '_network']) {
      expect(emu.grid(rig.spreadsheetId, `history ${key}`)).toMatchObject({ rowCount: 6, columnCount: 9 });
      const current = emu.cells(rig.spreadsheetId, `current ${key}`);
      expect(emu.grid(rig.spreadsheetId, `current ${key}`)).toMatchObject({ rowCount: current.length, columnCount: 3 });
    }
    expect(historyStreams(rig.spreadsheetId, 'history home')).toEqual([13, 14, 15, 16, 17]);
  });

  it("names the server in the store's health when one server's tab is refused", async () => {
    const rig = sheetsRig(emu, { retry: { maxElapsedMs: 500, baseMs: 5 } });
    await rig.store.forServer('home').write(cycleOf(1, 0).snapshot, cycleOf(1, 0).point);
    emu.failNext(1, { status: 400, ops: ['spreadsheets.batchUpdate'] });
    await rig.store.forServer('home').write(cycleOf(1, 1).snapshot, cycleOf(1, 1).point);
    const health = rig.store.forServer('4k').health();
    expect(health).toMatchObject({ status: 'error', code: 'rejected' });
    expect(health.message).toMatch(/^home: sheets write failed \(400\)/);
  });
});
