import { chmodSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/paths.js';
import { copyFixtureDbs, leaveWal } from '../support/fixtures.js';
import { startTestMarquee, type TestMarquee } from '../support/marquee-instance.js';
import { configFile, runCli, type CliRun } from './support/cli.js';
import { holdExclusiveLock, type HeldLock } from './support/db-lock.js';
import { freePort, httpClient, waitFor } from './support/http.js';
import { percentile } from '../../bench/lib/stats.js';

/**
 * Drill 7: a source database that another program holds (a Tautulli backup, Plex's "Optimize
 * database") or that can only be read through a copy that fails. Serving must not wait on the
 * sources, no temp copy may outlive its cycle, and what the public sees of the failure is a code and
 * a fixed sentence: no absolute path, no raw SQLite or file-system text.
 */

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('drill 7: a source database locked by another program', () => {
  it('keeps /health p99 under 100 ms while the Tautulli DB is exclusively locked for 30 s and cycles run back to back', async () => {
    const m: TestMarquee = await startTestMarquee();
    cleanups.push(() => m.stop());
    const client = httpClient(m.url, 2);
    cleanups.push(() => client.close());
    const lock: HeldLock = await holdExclusiveLock(m.dbs.tautulliDb);
    cleanups.push(() => lock.release());

    const until = performance.now() + 30_000;
    const cycles = (async () => {
      const taken = [];
      while (performance.now() < until) taken.push(await m.collector.collect());
      return taken;
    })();
    const latencies: number[] = [];
    const probe = async () => {
      while (performance.now() < until) {
        const started = performance.now();
        const res = await client.get('/health');
        latencies.push(performance.now() - started);
        expect([200, 503]).toContain(res.status);
        await sleep(20);
      }
    };
    await Promise.all([probe(), probe()]);
    const snapshots = await cycles;
    const during = await client.get('/health');
    await lock.release();

    const sorted = [...latencies].sort((a, b) => a - b);
    const p99 = percentile(sorted, 99);
    console.info(
      `drill 7 (locked DB, 30 s): ${snapshots.length} cycles, ${latencies.length} /health requests, ` +
        `p50 ${percentile(sorted, 50).toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${sorted.at(-1)!.toFixed(1)} ms`,
    );
    // Every cycle did meet the lock (SQLite waited out its busy timeout each time)...
    expect(snapshots.length).toBeGreaterThanOrEqual(3);
    expect(snapshots.map((s) => s.sources.tautulli.error?.code)).toEqual(snapshots.map(() => 'locked'));
    expect(during.status).toBe(503);
    // ...and /health never waited with it.
    expect(p99).toBeLessThan(100);

    const healed = await m.collector.collect();
    expect(healed.sources.tautulli.status).toBe('ok');
  }, 90_000);
});

describe('drill 7: a read-only copy that fails every cycle', () => {
  /**
   * As Plex and Tautulli leave things when stopped on a read-only volume: no -shm, so SQLite cannot
   * read in place and Marquee reads private copies. Plex's copies succeed; Tautulli has a -wal we may
   * not read (a crash left it, owned by another user), so its copy fails half-way, every cycle, after
   * the whole database was copied. Runs the real CLI as an unprivileged user (root ignores modes).
   */
  it('leaves no temp folder behind after 10 failed cycles, and publishes no path or raw error text', async () => {
    const dbs = copyFixtureDbs('tiny');
    cleanups.push(() => {
      chmodSync(dbs.dir, 0o755);
      rmSync(dbs.dir, { recursive: true, force: true });
    });
    for (const f of [dbs.plexDb, dbs.tautulliDb]) for (const x of ['-wal', '-shm']) rmSync(`${f}${x}`, { force: true });
    leaveWal(dbs.tautulliDb, { mode: 0o600 });
    chmodSync(dbs.dir, 0o555);
    const scratch = mkdtempSync(path.join(tmpdir(), 'marquee-drill-tmpdir-'));
    const dataDir = mkdtempSync(path.join(tmpdir(), 'marquee-drill-data-'));
    for (const d of [scratch, dataDir]) {
      chmodSync(d, 0o777);
      cleanups.push(() => rmSync(d, { recursive: true, force: true }));
    }
    const port = await freePort();
    const run: CliRun = runCli(
      ['serve'],
      {
        MARQUEE_CONFIG: configFile(),
        MARQUEE_PLEX_DB: dbs.plexDb,
        MARQUEE_TAUTULLI_DB: dbs.tautulliDb,
        MARQUEE_DATA_DIR: dataDir,
        MARQUEE_PORT: String(port),
        MARQUEE_LOG_LEVEL: 'info',
        MARQUEE_SCHEDULE: '* * * * * *',
        TMPDIR: scratch,
      },
      { asNobody: true },
    );
    cleanups.push(() => void run.child.kill('SIGKILL'));
    const cycles = () =>
      run
        .stdout()
        .split('\n')
        .filter((l) => l.includes('"msg":"collection cycle"'));
    await waitFor(
      'eleven collection cycles (the first at start, then ten on schedule)',
      () => (run.child.exitCode !== null ? Promise.reject(new Error(run.stderr())) : cycles().length >= 11 || undefined),
      90_000,
      100,
    );
    expect(
      cycles().every((l) => l.includes('"tautulli":"error:unavailable"')),
      cycles()[0],
    ).toBe(true);
    expect(cycles().every((l) => l.includes('"plex":"ok"'))).toBe(true);
    // At most the copy of a cycle in progress; before the fix, one full copy more per cycle.
    expect(copiesUnder(scratch).length).toBeLessThanOrEqual(1);

    const client = httpClient(`http://127.0.0.1:${port}`, 2);
    cleanups.push(() => client.close());
    const health = (await client.get('/health')).body.toString();
    const json = (await client.get('/i/signature.json')).body.toString();
    expect(JSON.parse(json)).toHaveProperty('snapshot.sources.tautulli.error.code', 'unavailable');
    for (const body of [health, json]) {
      for (const p of [dbs.dir, scratch, dataDir, PACKAGE_ROOT, '/tmp/']) expect(body).not.toContain(p);
      expect(body).not.toMatch(/SQLITE_|EACCES|permission denied|copyfile|unable to open|marquee-ro-/i);
    }
    // The operator still gets the cause, in the log.
    expect(run.stdout()).toMatch(/"msg":"source read failed"/);
    expect(run.stdout()).toMatch(/EACCES: permission denied, copyfile/);

    run.child.kill('SIGTERM');
    expect((await run.exited).code).toBe(0);
    expect(readdirSync(scratch)).toEqual([]);
  }, 150_000);
});

/** Every marquee-ro-* folder (a private copy) anywhere under `dir`. */
function copiesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((p) => path.basename(p).startsWith('marquee-ro-'));
}
