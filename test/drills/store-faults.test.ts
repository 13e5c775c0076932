import Database from 'better-sqlite3';
import { spawn, execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/paths.js';
import { SqliteStore } from '../../src/stores/sqlite/sqlite-store.js';
import { copyFixtureDbs } from '../support/fixtures.js';
import { decodePng } from '../support/png.js';
import { startSheetsEmulator } from '../support/sheets-emulator.js';
import { staticAuth } from '../support/sheets-fixture.js';
import { httpClient } from './support/http.js';
import { startTestMarquee, type TestMarquee } from '../support/marquee-instance.js';
import { startProxy } from './support/proxy.js';
import { fakeSystemInfo, swapSourceReader } from './support/sources.js';

/** Drill 3: the store under SIGKILL, a full disk, and a Google Sheet that is down, throttling or slow. */

const MINUTE = 60_000;
const cleanups: (() => void | Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** Opens the store as a restarted Marquee would and reads back what survived. */
async function inspect(file: string) {
  const raw = new Database(file, { readonly: true });
  const integrity = raw.pragma('integrity_check', { simple: true });
  raw.close();
  const store = new SqliteStore({ file, retentionDays: 3650 });
  const ats = (await store.history(0, 1_000_000)).map((p) => p.at);
  const latest = (await store.latest())?.takenAt ?? null;
  await store.close();
  return { integrity, ats, latest };
}

describe('drill 3: SIGKILL in the middle of collection cycles', () => {
  it('keeps every committed cycle and never a partial one, across 8 kills', async () => {
    const dbs = copyFixtureDbs('tiny');
    const dir = mkdtempSync(path.join(tmpdir(), 'marquee-drill-kill-'));
    const file = path.join(dir, 'marquee.db');
    const start = Date.UTC(2026, 0, 1);
    const reported = new Set<number>();
    let resumeAt = start;
    for (let round = 0; round < 8; round++) {
      const child = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          path.join(PACKAGE_ROOT, 'test/drills/support/cycle-loop.ts'),
          file,
          dbs.plexDb,
          dbs.tautulliDb,
          String(resumeAt),
        ],
        {
          cwd: PACKAGE_ROOT,
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
      // Kill after 2-6 committed cycles, then 0-40 ms later: somewhere inside the next cycle.
      const cyclesBeforeKill = 2 + (round % 5);
      let seen = 0;
      for await (const line of createInterface({ input: child.stdout })) {
        if (line === 'ready') continue;
        reported.add(Number(line));
        if (++seen === cyclesBeforeKill) {
          setTimeout(() => child.kill('SIGKILL'), (round * 13) % 41);
          break;
        }
      }
      expect(await exited, stderr).toBe('SIGKILL');
      const { integrity, ats, latest } = await inspect(file);
      expect(integrity).toBe('ok');
      // The snapshot and its history point commit together: the newest of each is the same cycle.
      expect(latest).toBe(Math.max(...ats));
      // One point per minute since the start, no gap, no duplicate: nothing half-written survived.
      expect(ats).toEqual(Array.from({ length: ats.length }, (_, i) => start + (i + 1) * MINUTE));
      for (const at of reported) expect(ats).toContain(at);
      resumeAt = latest!;
    }
    // A killed holder leaves no stale instance lock: every round above re-acquired it at once.
    expect(reported.size).toBeGreaterThanOrEqual(8 * 2);
  }, 120_000);
});

describe('drill 3: disk full on the store path', () => {
  let canMount = true;
  const mountPoint = mkdtempSync(path.join(tmpdir(), 'marquee-drill-full-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=6m', 'tmpfs', mountPoint], { stdio: 'ignore' });
    cleanups.push(() => void execFileSync('umount', ['-l', mountPoint], { stdio: 'ignore' }));
  } catch {
    // Mounting needs CAP_SYS_ADMIN (root on the dev machines and CI here); elsewhere this drill is skipped, visibly.
    canMount = false;
  }

  it.skipIf(!canMount)(
    'reports a clear store error, keeps serving the last good image, and recovers when space returns',
    async () => {
      const lines: string[] = [];
      let now = Date.UTC(2026, 0, 1);
      const m = await startTestMarquee({
        dataDir: path.join(mountPoint, 'data'),
        collect: false,
        clock: () => now,
        logTo: { write: (l) => void lines.push(l) },
      });
      cleanups.push(() => m.stop());
      swapSourceReader(m.collector, {
        plexDb: m.dbs.plexDb,
        tautulliDb: m.dbs.tautulliDb,
        privateSections: [],
        timeZone: 'UTC',
        hostTimeoutMs: 500,
        systemInfo: fakeSystemInfo(() => 'ok'),
      });
      const client = httpClient(m.url, 2);
      cleanups.push(() => client.close());
      await m.collector.collect();
      const lastGood = (await client.get('/i/signature.png')).body;
      // Fill the file system to the last byte.
      const filler = path.join(mountPoint, 'filler');
      const fd = openSync(filler, 'w');
      for (const size of [1 << 20, 1 << 12, 1]) {
        try {
          for (;;) writeSync(fd, Buffer.alloc(size));
        } catch {
          // ENOSPC at this chunk size: go on with smaller chunks.
        }
      }
      closeSync(fd);
      // A reused WAL can absorb a few cycles; the disk shows as full as soon as a write needs a block.
      let failedAt = 0;
      for (let i = 0; i < 40 && !failedAt; i++) {
        now += MINUTE;
        await m.collector.collect();
        if (m.stores.sqlite.health().status === 'error') failedAt = now;
      }
      expect(failedAt).toBeGreaterThan(0);
      expect(m.stores.sqlite.health().message).toMatch(/disk is full|SQLITE_FULL|no space/i);
      expect(lines.some((l) => l.includes('"storeErrors"') && /disk is full/i.test(l))).toBe(true);
      const health = await client.get('/health');
      expect(health.status).toBe(503);
      expect(JSON.parse(health.body.toString()).checks['store:sqlite'][0]).toMatchObject({
        status: 'fail',
        output: expect.stringMatching(/disk is full/i),
      });
      const image = await client.get('/i/signature.png');
      expect(image.status).toBe(200);
      expect(decodePng(image.body).width).toBe(decodePng(lastGood).width);
      rmSync(filler);
      now += MINUTE;
      await m.collector.collect();
      expect(m.stores.sqlite.health().status).toBe('ok');
      expect((await client.get('/health')).status).toBe(200);
      expect((await m.stores.sqlite.history(0, 1_000_000)).map((p) => p.at)).toContain(now);
    },
    60_000,
  );
});

describe('drill 3: the Google Sheet unreachable, rate-limited and slow for many cycles', () => {
  /** A Marquee writing both stores through a TCP proxy to the emulator; one cycle per call, a minute apart. */
  async function sheetRig() {
    const emu = await startSheetsEmulator();
    const proxy = await startProxy(Number(new URL(emu.rootUrl).port));
    const sheetId = `drill-outbox-${Math.random().toString(36).slice(2, 10)}`;
    emu.addSpreadsheet(sheetId, ['Sheet1']);
    let now = Date.UTC(2026, 0, 1);
    const m: TestMarquee = await startTestMarquee({
      collect: false,
      clock: () => now,
      sheetsAuth: staticAuth(),
      yaml: `store:\n  write: both\nsheets:\n  spreadsheetId: ${sheetId}\n  rootUrl: ${proxy.url}\n  credentialsJson: unused-in-drills\n  writeBudgetMs: 400\n`,
    });
    cleanups.push(async () => {
      await m.stop();
      await emu.close();
    });
    swapSourceReader(m.collector, {
      plexDb: m.dbs.plexDb,
      tautulliDb: m.dbs.tautulliDb,
      privateSections: [],
      timeZone: 'UTC',
      hostTimeoutMs: 500,
      systemInfo: fakeSystemInfo(() => 'ok'),
    });
    const cycles: number[] = [];
    return {
      emu,
      proxy,
      m,
      cycles,
      cycle: async (n = 1) => {
        for (let i = 0; i < n; i++) {
          now += MINUTE;
          cycles.push((await m.collector.collect()).takenAt);
        }
      },
      pending: () => m.stores.sheets!.pending(),
      delivered: () =>
        emu
          .cells(sheetId, 'history')
          .slice(1)
          .map((r) => r[0]),
      image: async () => (await fetch(`${m.url}/i/signature.png`)).status,
    };
  }

  it('holds every cycle through an outage, a 429 storm and slow answers, then delivers them in order, exactly once', async () => {
    const r = await sheetRig();
    await r.cycle(2);
    expect(r.pending()).toBe(0);

    await r.proxy.down();
    await r.cycle(6);
    expect(r.pending()).toBe(6);
    expect(r.m.stores.sheets!.health()).toMatchObject({ status: 'stale', message: expect.stringMatching(/6 cycle\(s\) queued/) });
    expect(await r.image()).toBe(200);

    await r.proxy.up();
    r.emu.failNext(100_000, { status: 429 });
    await r.cycle(6);
    expect(r.pending()).toBe(12);
    expect(await r.image()).toBe(200);

    // Slow but inside the write budget (400 ms): late answers, no failure.
    r.emu.clearFaults();
    r.emu.delayNext(3, 250, { ops: ['spreadsheets.batchUpdate'] });
    await r.cycle(3);
    expect(r.pending()).toBe(0);
    expect(r.m.stores.sheets!.health().status).toBe('ok');
    expect(r.delivered()).toEqual(r.cycles);
  }, 60_000);

  // BUG (src/stores/sheets/writer.ts, not ours to edit): a batchUpdate slower than the write budget
  // times out here but still lands at Google. The next cycle re-reads the Sheet before that request
  // has landed, finds nothing, and resends the whole backlog; every copy then lands. Seen: 3 slow
  // cycles after a 13-cycle backlog left 45 history rows for 18 cycles (3-15 three times). The
  // history append is not idempotent (appendCells). Fix options: write history rows with
  // updateCells at explicit row offsets (a late duplicate then overwrites the same rows), or have
  // parseHistory/rotation drop repeated cycleAt rows so readers see each cycle once.
  it('delivers exactly once when answers arrive after the write budget but the writes land', async () => {
    const r = await sheetRig();
    await r.cycle(1);
    await r.proxy.down();
    await r.cycle(4);
    await r.proxy.up();
    r.emu.delayNext(3, 1_500, { ops: ['spreadsheets.batchUpdate'] });
    await r.cycle(3);
    await new Promise((resolve) => setTimeout(resolve, 1_600));
    await r.cycle(2);
    expect(r.pending()).toBe(0);
    expect(r.delivered()).toEqual(r.cycles);
  }, 60_000);
});
