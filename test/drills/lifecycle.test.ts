import Database from 'better-sqlite3';
import { existsSync, mkdtempSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { copyFixtureDbs } from '../support/fixtures.js';
import { decodePng } from '../support/png.js';
import { configFile, runCli, startServe, type ServeProcess } from './support/cli.js';

/**
 * Drill 6: the real CLI's lifecycle. SIGTERM drains in-flight requests, lets a running cycle finish
 * and closes the stores; a second collecting instance on the same data directory refuses to start
 * (lock design: src/stores/sqlite/instance-lock.ts).
 */

const running: ServeProcess[] = [];
afterEach(() => {
  for (const s of running.splice(0)) if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
});

function environment(extra: Record<string, string> = {}) {
  const dbs = copyFixtureDbs('tiny');
  const dataDir = mkdtempSync(path.join(tmpdir(), 'marquee-drill-life-'));
  const env = {
    MARQUEE_CONFIG: configFile(),
    MARQUEE_PLEX_DB: dbs.plexDb,
    MARQUEE_TAUTULLI_DB: dbs.tautulliDb,
    MARQUEE_DATA_DIR: dataDir,
    MARQUEE_SCHEDULE: '0 0 1 1 *',
    ...extra,
  };
  return { dbs, dataDir, env };
}

async function serve(env: Record<string, string>): Promise<ServeProcess> {
  const s = await startServe(env);
  running.push(s);
  return s;
}

/** One request on its own connection, so each is in flight independently of the others. */
function get(url: string, agent: Agent): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    request(url, { agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
    })
      .on('error', reject)
      .end();
  });
}

describe('drill 6: SIGTERM', () => {
  it('drains every request it has read, closes the stores cleanly and exits 0', async () => {
    const { dataDir, env } = environment();
    const s = await serve(env);
    // Connections opened (and accepted) beforehand. A request still in the kernel's accept backlog or
    // unread on its socket when SIGTERM lands is reset instead: see the report on main.ts stop().
    const agent = new Agent({ keepAlive: true, maxSockets: 24 });
    await Promise.all(Array.from({ length: 24 }, () => get(`${s.url}/health`, agent)));
    // Distinct colours force 12 real renders of the largest image, queued behind the render
    // concurrency limit; SIGTERM lands as soon as the first is answered, so the server has read
    // them all and most are still queued, however fast the machine.
    const inFlight = Array.from({ length: 12 }, (_, i) => get(`${s.url}/i/og@2x.png?bg_color=${(0x102030 + i * 977).toString(16)}`, agent));
    let answered = 0;
    for (const p of inFlight) void p.then(() => answered++);
    await Promise.race(inFlight);
    s.child.kill('SIGTERM');
    const terminatedAt = Date.now();
    const pendingAtSigterm = 12 - answered;
    const answers = await Promise.all(inFlight);
    expect(answers.map((a) => a.status)).toEqual(Array(12).fill(200));
    for (const a of answers) expect(decodePng(a.body).width).toBe(2400);
    const exit = await s.exited;
    console.info(
      `[drill lifecycle] ${pendingAtSigterm} of 12 renders still in flight at SIGTERM, all answered 200; exit ${exit.code} after ${Date.now() - terminatedAt} ms`,
    );
    expect(pendingAtSigterm).toBeGreaterThan(0);
    expect(exit.code, s.stderr()).toBe(0);
    expect(Date.now() - terminatedAt).toBeLessThan(10_000);
    expect(s.stdout()).toMatch(/"msg":"stopped"/);
    // SQLite folds the WAL back and deletes it when the last connection closes cleanly.
    expect(existsSync(path.join(dataDir, 'marquee.db-wal'))).toBe(false);
    const store = new Database(path.join(dataDir, 'marquee.db'), { readonly: true });
    expect(store.pragma('integrity_check', { simple: true })).toBe('ok');
    store.close();
    agent.destroy();
    await expect(fetch(`${s.url}/health`)).rejects.toThrow();
  }, 60_000);

  it('lets a collection cycle in progress finish, stores it, then exits 0', async () => {
    const { dbs, dataDir, env } = environment({ MARQUEE_SCHEDULE: '* * * * * *' });
    // A rollback-journal Plex DB under an exclusive writer: the next cycle waits out the busy timeout (5 s).
    const setup = new Database(dbs.plexDb);
    setup.pragma('journal_mode = DELETE');
    setup.close();
    const s = await serve(env);
    const writer = new Database(dbs.plexDb);
    writer.exec("BEGIN EXCLUSIVE; UPDATE library_sections SET name = name || ' (optimising)'");
    try {
      await new Promise((r) => setTimeout(r, 2_500));
      s.child.kill('SIGTERM');
      const exit = await s.exited;
      expect(exit.code, s.stderr()).toBe(0);
    } finally {
      writer.exec('ROLLBACK');
      writer.close();
    }
    const log = s
      .stdout()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { msg: string; cycle?: number; sources?: Record<string, string> });
    const shutdownAt = log.findIndex((l) => l.msg === 'shutting down');
    const lockedCycle = log.findIndex((l) => l.msg === 'collection cycle' && l.sources?.plex === 'stale:locked');
    expect(lockedCycle).toBeGreaterThanOrEqual(0);
    expect(log.findIndex((l) => l.msg === 'stopped')).toBeGreaterThan(Math.max(shutdownAt, lockedCycle));
    const store = new Database(path.join(dataDir, 'marquee.db'), { readonly: true });
    expect(store.prepare('SELECT taken_at FROM latest_snapshot').pluck().get()).toBe(log[lockedCycle]!.cycle);
    store.close();
  }, 60_000);
});

describe('drill 6: a second instance on the same store', () => {
  it('refuses to start while the first collects, and starts at once after the first is SIGKILLed', async () => {
    const { env } = environment();
    const first = await serve(env);
    for (const args of [
      ['serve', '--port', '0'],
      ['collect', '--once'],
    ]) {
      const second = runCli(args, env);
      const exit = await second.exited;
      expect(exit.code).toBe(1);
      expect(second.stderr()).toMatch(/^marquee: another Marquee is already running on this data directory \(it holds .*marquee\.lock\)/);
      expect(second.stderr()).not.toMatch(/\n\s+at /);
    }
    // A renderer that does not collect never writes the store, so it may share the directory.
    const reader = runCli(['serve', '--no-collect', '--port', '0'], env);
    await new Promise((r) => setTimeout(r, 100));
    expect((await fetch(`${first.url}/health`)).status).toBe(200);
    reader.child.kill('SIGKILL');
    first.child.kill('SIGKILL');
    await first.exited;
    // The kernel dropped the dead holder's lock: no stale lock to clean up.
    const next = await serve(env);
    expect((await fetch(`${next.url}/health`)).status).toBe(200);
    next.child.kill('SIGTERM');
    expect((await next.exited).code).toBe(0);
  }, 90_000);
});
