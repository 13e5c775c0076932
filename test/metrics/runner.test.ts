import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { MetricDbPaths, MetricDefs } from '../../src/metrics/config.js';
import { MetricsRunner } from '../../src/metrics/runner.js';
import { SqliteStore } from '../../src/stores/sqlite/sqlite-store.js';
import { copyFixtureDbs, FIXTURE_NOW_MS } from '../support/fixtures.js';
import { startTestMarquee } from '../support/marquee-instance.js';
import { parseDefs, rawRows } from './support.js';

// A private copy: these tests try to write, so the shared fixture must not be the target.
const dbs = copyFixtureDbs('tiny');
const paths: MetricDbPaths = { plex: dbs.plexDb, tautulli: dbs.tautulliDb };
/** What `SELECT COUNT(*) FROM users` must give, read straight from the file. */
const USERS = rawRows<{ n: number }>(dbs.tautulliDb, 'SELECT COUNT(*) AS n FROM users')[0]!.n;
const FOREVER = 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT COUNT(*) FROM c';
const scalar = (sql: string, extra: Record<string, unknown> = {}) => ({
  source: 'tautulli',
  returns: 'scalar',
  type: 'integer',
  sql,
  ...extra,
});

const runners: MetricsRunner[] = [];
function runner(defs: MetricDefs): MetricsRunner {
  const r = new MetricsRunner({ defs, dbPaths: paths });
  runners.push(r);
  return r;
}
afterEach(async () => {
  await Promise.all(runners.splice(0).map((r) => r.close()));
});

/** Longest gap between 5 ms timer ticks while `work` runs: how long the main thread was unavailable. */
async function longestStall<T>(work: Promise<T>): Promise<{ result: T; maxGapMs: number; ticks: number }> {
  let last = performance.now();
  let maxGapMs = 0;
  let ticks = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    maxGapMs = Math.max(maxGapMs, now - last);
    last = now;
    ticks++;
  }, 5);
  try {
    return { result: await work, maxGapMs, ticks };
  } finally {
    clearInterval(timer);
  }
}

describe('a query that runs forever', () => {
  it('is stopped at its budget without stalling the main thread, and the next metric still runs', async () => {
    const r = runner(parseDefs({ forever: scalar(FOREVER, { timeoutMs: 1500 }), after: scalar('SELECT COUNT(*) FROM users') }));
    await r.run(FIXTURE_NOW_MS); // starts the query process, so only the query is timed below
    const started = performance.now();
    const { result, maxGapMs, ticks } = await longestStall(r.run(FIXTURE_NOW_MS));
    const elapsed = performance.now() - started;
    expect(result.forever).toEqual({ status: 'error', error: 'exceeded its time budget of 1500 ms and was stopped', value: null });
    expect(result.after).toEqual({ status: 'ok', value: USERS });
    expect(elapsed).toBeGreaterThanOrEqual(1500);
    expect(elapsed).toBeLessThan(8000);
    expect(maxGapMs).toBeLessThan(250);
    expect(ticks).toBeGreaterThan(50);
    // One process to start, one replacing each killed one.
    expect(r.processesStarted).toBe(3);
  });

  describe('while Marquee serves images', () => {
    let marquee: Awaited<ReturnType<typeof startTestMarquee>> | undefined;
    afterAll(async () => {
      await marquee?.stop();
    });

    it('keeps serving fresh PNGs from the same process during the runaway query', async () => {
      marquee = await startTestMarquee({ dbs: copyFixtureDbs('tiny') });
      const r = runner(parseDefs({ forever: scalar(FOREVER, { timeoutMs: 2500 }) }));
      await r.run(FIXTURE_NOW_MS);
      // Warm the renderer (fonts, templates) so the timings below are steady-state serving.
      expect((await fetch(`${marquee.url}/i/signature.png`)).status).toBe(200);
      let done = false;
      const query = r.run(FIXTURE_NOW_MS).finally(() => (done = true));
      const latencies: number[] = [];
      for (let i = 0; !done; i++) {
        // A new colour each time: a fresh render, not the render cache.
        const colour = (0x100000 + i * 7919).toString(16).slice(-6);
        const t0 = performance.now();
        const res = await fetch(`${marquee.url}/i/signature.png?title_color=${colour}`);
        const body = Buffer.from(await res.arrayBuffer());
        if (done) break;
        expect(res.status).toBe(200);
        expect(body.subarray(1, 4).toString()).toBe('PNG');
        latencies.push(performance.now() - t0);
      }
      expect((await query).forever?.status).toBe('error');
      expect(latencies.length).toBeGreaterThanOrEqual(5);
      expect(Math.max(...latencies)).toBeLessThan(1500);
    });
  });
});

describe('row caps', () => {
  it('stops a query returning millions of rows at the cap instead of reading them all', async () => {
    const r = runner(
      parseDefs({
        millions: {
          source: 'tautulli',
          returns: 'table',
          columns: { x: 'integer' },
          maxRows: 1000,
          timeoutMs: 10_000,
          sql: 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 5000000) SELECT x FROM c',
        },
        endless: {
          source: 'tautulli',
          returns: 'table',
          columns: { x: 'integer' },
          sql: 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x FROM c',
        },
        exactly: {
          source: 'tautulli',
          returns: 'table',
          columns: { x: 'integer' },
          maxRows: 3,
          sql: 'WITH v(x) AS (VALUES (1), (2), (3)) SELECT x FROM v',
        },
        two_rows: { source: 'tautulli', returns: 'row', columns: { x: 'integer' }, sql: 'VALUES (1), (2)' },
      }),
    );
    await r.run(FIXTURE_NOW_MS);
    const t0 = performance.now();
    const out = await r.run(FIXTURE_NOW_MS);
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(out.millions).toEqual({
      status: 'error',
      error: 'returned more than 1000 rows (its maxRows); aggregate or add a LIMIT',
      value: null,
    });
    expect(out.endless?.error).toBe('returned more than 100 rows (its maxRows); aggregate or add a LIMIT');
    expect(out.exactly).toEqual({ status: 'ok', value: [{ x: 1 }, { x: 2 }, { x: 3 }] });
    expect(out.two_rows?.error).toMatch(/returned more than one row; a row metric returns at most one/);
    expect(r.processesStarted).toBe(1);
  });
});

describe('size caps: a value never leaves the query process larger than its cap', () => {
  const text = (sql: string) => ({ source: 'tautulli', returns: 'scalar', type: 'text', sql, timeoutMs: 10_000 });
  const table = (sql: string) => ({ source: 'tautulli', returns: 'table', columns: { t: 'text' }, maxRows: 1000, sql, timeoutMs: 10_000 });

  it('fails a 150 MB value (the memory cap stops it) and a 100 kB one (the value cap), keeping the parent small', async () => {
    const r = runner(
      parseDefs({
        huge: text("SELECT printf('%.*c', 150000000, 'x')"),
        long: text("SELECT printf('%.*c', 100000, 'x')"),
        // 3000 characters but 6000 UTF-8 bytes: the cap is on bytes, as stored and served.
        wide: text("SELECT replace(printf('%.*c', 3000, 'x'), 'x', 'é')"),
        at_cap: text("SELECT printf('%.*c', 4096, 'x')"),
        after: scalar('SELECT COUNT(*) FROM users'),
      }),
    );
    const out = await r.run(FIXTURE_NOW_MS);
    expect(out.huge).toEqual({
      status: 'error',
      error: 'was stopped: the query process went over its memory limit of 256 MB (a value or an intermediate result too large)',
      value: null,
    });
    expect(out.long?.error).toBe(
      `column "printf('%.*c', 100000, 'x')" returned a value of 100000 bytes; a metric value may be at most 4096 bytes`,
    );
    expect(out.wide?.error).toMatch(new RegExp(`returned a value of ${Buffer.byteLength('é'.repeat(3000))} bytes`));
    expect(out.at_cap).toEqual({ status: 'ok', value: 'x'.repeat(4096) });
    expect(out.after).toEqual({ status: 'ok', value: USERS });
    // What the collector would store and serve: the capped values and the errors, nothing more.
    expect(Buffer.byteLength(JSON.stringify(out))).toBeLessThan(4096 + 1000);
  }, 30_000);

  it('fails a result whose values add up past 256 KiB, even when each value is small', async () => {
    const rows = 'WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c LIMIT 1000)';
    const out = await runner(
      parseDefs({
        // 1000 rows x 300 bytes = 300,000 bytes > 262,144.
        heavy: table(`${rows} SELECT printf('%.*c', 300, 'x') AS t FROM c`),
        // 1000 rows x 200 bytes = 200,000 bytes: under the cap.
        light: table(`${rows} SELECT printf('%.*c', 200, 'x') AS t FROM c`),
      }),
    ).run(FIXTURE_NOW_MS);
    // The first row past the cap: ceil(262,144 / 300) = 874.
    expect(out.heavy?.error).toBe(
      `returned more than ${256 * 1024} bytes in ${Math.ceil((256 * 1024) / 300)} rows; a metric's result may be at most ${256 * 1024} bytes`,
    );
    expect(out.light?.status).toBe('ok');
    expect((out.light?.value as unknown[]).length).toBe(1000);
  });
});

describe('isolation and refusals at run time', () => {
  it('a failing metric errors alone; the others keep their values', async () => {
    const out = await runner(
      parseDefs({
        users: scalar('SELECT COUNT(*) FROM users'),
        wrong_type: scalar("SELECT 'many'"),
        missing_table: scalar('SELECT COUNT(*) FROM nope'),
        plex_items: { ...scalar('SELECT COUNT(*) FROM metadata_items WHERE deleted_at IS NULL'), source: 'plex' },
        no_store: { ...scalar('SELECT COUNT(*) FROM history_points'), source: 'marquee' },
        nothing: { source: 'tautulli', returns: 'row', columns: { x: 'integer' }, sql: 'SELECT 1 AS x WHERE 0' },
        empty: { source: 'tautulli', returns: 'table', columns: { x: 'integer' }, sql: 'SELECT 1 AS x WHERE 0' },
        null_scalar: scalar('SELECT MAX(started) FROM session_history WHERE 0'),
      }),
    ).run(FIXTURE_NOW_MS);
    expect(out.users).toEqual({ status: 'ok', value: USERS });
    expect(out.wrong_type).toEqual({
      status: 'error',
      error: 'column "value" is declared integer but the query returned text',
      value: null,
    });
    expect(out.missing_table?.error).toBe('no such table: nope');
    expect(out.plex_items?.status).toBe('ok');
    expect(out.plex_items?.value).toBeGreaterThan(100);
    expect(out.no_store?.error).toBe('no marquee database is configured (set dataDir (marquee.db))');
    expect(out.nothing).toEqual({ status: 'ok', value: null });
    expect(out.empty).toEqual({ status: 'ok', value: [] });
    expect(out.null_scalar).toEqual({ status: 'ok', value: null });
  });

  it('refuses writes, ATTACH, PRAGMA, extra statements and load_extension even without start-up validation', async () => {
    const before = statSync(dbs.tautulliDb).mtimeMs;
    const out = await runner(
      parseDefs({
        write: scalar("INSERT INTO users (username) VALUES ('mallory')"),
        with_write: scalar('WITH x AS (SELECT 1) DELETE FROM users'),
        temp: scalar('CREATE TEMP TABLE t (x)'),
        attach: scalar(`ATTACH DATABASE '${dbs.dir}/evil.db' AS evil`),
        pragma: scalar('PRAGMA journal_mode = DELETE'),
        pragma_quiet: scalar('PRAGMA writable_schema = 1'),
        two: scalar('SELECT 1; DELETE FROM users'),
        load: scalar("SELECT load_extension('/tmp/evil.so')"),
        still_fine: scalar('SELECT COUNT(*) FROM users'),
      }),
    ).run(FIXTURE_NOW_MS);
    expect(out.write?.error).toBe('writes are not allowed (INSERT)');
    expect(out.with_write?.error).toBe('refused: not a read-only query');
    expect(out.temp?.error).toBe('writes are not allowed (CREATE)');
    expect(out.attach?.error).toMatch(/^ATTACH is not allowed/);
    expect(out.pragma?.error).toMatch(/^PRAGMA statements are not allowed/);
    expect(out.pragma_quiet?.error).toMatch(/^PRAGMA statements are not allowed/);
    expect(out.two?.error).toBe('The supplied SQL string contains more than one statement');
    expect(out.load?.error).toBe('load_extension() is not allowed');
    expect(out.still_fine).toEqual({ status: 'ok', value: USERS });
    expect(statSync(dbs.tautulliDb).mtimeMs).toBe(before);
  });

  it('skips what is left once the cycle budget is spent, instead of delaying the cycle', async () => {
    const defs = parseDefs({ slow: scalar(FOREVER, { timeoutMs: 400 }), next: scalar('SELECT 1') });
    const r = new MetricsRunner({ defs, dbPaths: paths, cycleBudgetMs: 300 });
    runners.push(r);
    const out = await r.run(FIXTURE_NOW_MS);
    expect(out.slow?.error).toBe('exceeded its time budget of 400 ms and was stopped');
    expect(out.next?.error).toBe("skipped: this cycle's metrics budget of 300 ms was spent");
  });

  it('never rejects, and close() ends the query process', async () => {
    const r = runner(parseDefs({ a: scalar('SELECT 1') }));
    expect(await r.run(FIXTURE_NOW_MS)).toEqual({ a: { status: 'ok', value: 1 } });
    await r.close();
    // A closed runner starts a new process on demand rather than failing.
    expect(await r.run(FIXTURE_NOW_MS)).toEqual({ a: { status: 'ok', value: 1 } });
    expect(r.processesStarted).toBe(2);
  });
});

describe('a metric over marquee.db with several servers (issue 20)', () => {
  it("binds :server to the server it runs for, so it reads that server's points only", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'marquee-metric-servers-'));
    const file = path.join(dir, 'marquee.db');
    const store = new SqliteStore({ file, retentionDays: 30 });
    const point = (at: number, streams: number) => ({
      at,
      streams,
      transcodes: 0,
      bandwidthKbps: 0,
      cpuPct: null,
      memPct: null,
      temperatureC: null,
    });
    store.forServer('home').backfill([point(1, 2), point(2, 3)]);
    store.forServer('4k').backfill([point(1, 7)]);
    await store.close();
    const defs = parseDefs({
      streams: {
        source: 'marquee',
        returns: 'scalar',
        type: 'integer',
        sql: 'SELECT SUM(streams) FROM history_points WHERE server = :server',
      },
    });
    // The oracle: the rows themselves, summed per server straight from the file.
    const sums = Object.fromEntries(
      rawRows<{ server: string; n: number }>(file, 'SELECT server, SUM(streams) AS n FROM history_points GROUP BY server').map((r) => [
        r.server,
        r.n,
      ]),
    );
    for (const server of ['home', '4k']) {
      const r = new MetricsRunner({ defs, dbPaths: { marquee: file }, server });
      runners.push(r);
      const result = await r.run(FIXTURE_NOW_MS);
      expect(result.streams, server).toMatchObject({ value: sums[server] });
    }
  });
});
