import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSheetsClient } from '../../../src/stores/sheets/client.js';
import { sampleCycle } from '../../support/sample-snapshot.js';
import { startSheetsEmulator, type SheetsEmulator } from '../../support/sheets-emulator.js';
import { fakeClock, sheetsRig, staticAuth } from '../../support/sheets-fixture.js';

let emu: SheetsEmulator;
beforeAll(async () => {
  emu = await startSheetsEmulator();
});
afterAll(async () => {
  await emu.close();
});

const TTL = 30_000;

/** A sheet with 3 cycles written by a collector, and a separate server-side store reading it. */
async function serverOnFilledSheet() {
  const rig = sheetsRig(emu);
  for (let i = 0; i < 3; i++) await rig.store.write(sampleCycle(i).snapshot, sampleCycle(i).point);
  const clock = fakeClock();
  const server = rig.reopen({ readerTtlMs: TTL, now: clock.now, retry: { maxElapsedMs: 100 } });
  const reads = () => emu.calls('values.batchGet').filter((r) => r.url.includes(rig.spreadsheetId)).length;
  return { rig, clock, server, reads };
}

/** What an image request does: both reads, concurrently. */
const imageRequest = (s: { latest(): Promise<unknown>; history(since: number): Promise<unknown> }) =>
  Promise.all([s.latest(), s.history(0)]);

describe('SheetsStore reader cache', () => {
  it('N concurrent image requests cost one read per TTL', async () => {
    const { server, clock, reads } = await serverOnFilledSheet();
    const before = reads();
    const results = await Promise.all(Array.from({ length: 50 }, () => imageRequest(server)));
    expect(reads() - before).toBe(1);
    expect(results[49]![0]).toEqual(sampleCycle(2).snapshot);
    expect(results[0]![1]).toEqual([0, 1, 2].map((i) => sampleCycle(i).point));

    clock.advance(TTL - 1);
    await Promise.all(Array.from({ length: 50 }, () => imageRequest(server)));
    expect(reads() - before).toBe(1);

    clock.advance(1);
    await Promise.all(Array.from({ length: 50 }, () => imageRequest(server)));
    expect(reads() - before).toBe(2);
    expect(server.health()).toMatchObject({ status: 'ok', lastSuccessAt: clock.now() });
  });

  it('shares one slow read among concurrent requests (single flight)', async () => {
    const { server, reads } = await serverOnFilledSheet();
    const before = reads();
    emu.delayNext(1, 200, { ops: ['values.batchGet'] });
    const all = await Promise.all(Array.from({ length: 20 }, () => server.latest()));
    expect(reads() - before).toBe(1);
    expect(new Set(all.map((s) => s?.takenAt))).toEqual(new Set([sampleCycle(2).snapshot.takenAt]));
  });

  it('serves the last good data through 429 and 5xx, marked stale, still one read per TTL', async () => {
    const { server, clock, reads } = await serverOnFilledSheet();
    const good = await server.latest();
    for (const status of [429, 503] as const) {
      clock.advance(TTL);
      emu.failNext(1_000, { status, ops: ['values.batchGet'] });
      const before = reads();
      for (let i = 0; i < 10; i++) expect(await server.latest()).toEqual(good);
      expect(await server.history(0)).toHaveLength(3);
      expect(reads() - before).toBe(1); // a failure counts as the TTL's attempt
      const h = server.health();
      expect(h).toMatchObject({ status: 'stale', code: status === 429 ? 'rate-limited' : 'unreachable' });
      expect(h.message).toContain(String(status));
      emu.clearFaults();
    }
    clock.advance(TTL);
    await server.latest();
    expect(server.health().status).toBe('ok');
  });

  it('fails (health error) when Google is down and nothing was ever read', async () => {
    const { server } = await serverOnFilledSheet();
    emu.failNext(1_000, { status: 500, ops: ['values.batchGet'] });
    try {
      await expect(server.latest()).rejects.toThrow(/sheets read failed/);
      expect(server.health()).toMatchObject({ status: 'error', lastSuccessAt: null });
    } finally {
      emu.clearFaults();
    }
  });

  it('reads an untouched spreadsheet (no tabs yet) as empty', async () => {
    const rig = sheetsRig(emu);
    expect(await rig.store.latest()).toBeNull();
    expect(await rig.store.history(0)).toEqual([]);
    expect(rig.store.health().status).toBe('ok');
  });

  it('never misreads a snapshot written under another schema version', async () => {
    const { rig, server, clock } = await serverOnFilledSheet();
    const good = await server.latest();
    const client = createSheetsClient({ auth: staticAuth(), rootUrl: emu.rootUrl });
    await client.spreadsheets.values.update({
      spreadsheetId: rig.spreadsheetId,
      range: "'current'!C2",
      valueInputOption: 'RAW',
      requestBody: { values: [[2]] },
    });
    clock.advance(TTL);
    expect(await server.latest()).toEqual(good);
    expect(server.health()).toMatchObject({ status: 'stale', code: 'invalid-data' });
    expect(server.health().message).toMatch(/version 2/);
    const fresh = rig.reopen({ readerTtlMs: TTL });
    await expect(fresh.latest()).rejects.toThrow(/version 2/);
  });

  it('sees its own writes immediately despite the TTL', async () => {
    const rig = sheetsRig(emu, { readerTtlMs: 60_000, now: fakeClock().now });
    await rig.store.write(sampleCycle(0).snapshot, sampleCycle(0).point);
    expect((await rig.store.latest())?.takenAt).toBe(sampleCycle(0).snapshot.takenAt);
    await rig.store.write(sampleCycle(1).snapshot, sampleCycle(1).point);
    expect((await rig.store.latest())?.takenAt).toBe(sampleCycle(1).snapshot.takenAt);
  });
});
