import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFile, runCli } from './drills/support/cli.js';
import { copyFixtureDbs } from './support/fixtures.js';
import { startTestMarquee, type TestMarquee } from './support/marquee-instance.js';
import { decodePng } from './support/png.js';

/**
 * check-config, privacy and render read; they never build the runtime (issue 15, bug 3). The
 * oracle is the file system itself: every file under the data directory and beside the source
 * databases, listed with a SHA-256 of its bytes, before and after the command.
 */
function fingerprint(...dirs: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const name of readdirSync(dir)) {
      const file = path.join(dir, name);
      if (statSync(file).isDirectory()) walk(file);
      else out[file] = createHash('sha256').update(readFileSync(file)).digest('hex');
    }
  };
  for (const d of dirs) walk(d);
  return out;
}

const cli = async (args: string[], env: Record<string, string>) => {
  const run = runCli(args, env);
  const { code } = await run.exited;
  return { code, stdout: run.stdout(), stderr: run.stderr() };
};

/** A real configuration: databases, a metric on each source, a private section. */
const dbs = copyFixtureDbs('tiny');
const yaml = `privacy:
  privateSections: []
metrics:
  plays_total:
    source: tautulli
    returns: scalar
    type: integer
    sql: SELECT COUNT(*) AS value FROM session_history
  stored_points:
    source: marquee
    returns: scalar
    type: integer
    sql: SELECT COUNT(*) AS value FROM history_points
`;

describe('check-config and privacy touch nothing', () => {
  it('check-config validates a real configuration without creating or changing a file', async () => {
    // A data directory as a stopped instance leaves it: store, secrets, posters.
    const dataDir = mkdtempSync(path.join(tmpdir(), 'marquee-side-'));
    const m = await startTestMarquee({ dataDir, dbs, yaml });
    await m.stop();
    const env = {
      MARQUEE_CONFIG: configFile(yaml),
      MARQUEE_DATA_DIR: dataDir,
      MARQUEE_PLEX_DB: dbs.plexDb,
      MARQUEE_TAUTULLI_DB: dbs.tautulliDb,
    };
    const before = fingerprint(dataDir, dbs.dir);
    const r = await cli(['check-config'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, templates: expect.arrayContaining(['signature']), warnings: [] });
    expect(r.stderr).not.toMatch(/^warning:/m);
    expect(fingerprint(dataDir, dbs.dir)).toEqual(before);
  }, 60_000);

  it.each([
    ['check-config', ['check-config']],
    ['privacy', ['privacy', '--json']],
  ])(
    '%s in demo mode creates no data directory, store, secret or demo database',
    async (_name, args) => {
      const dataDir = path.join(mkdtempSync(path.join(tmpdir(), 'marquee-side-')), 'data');
      const r = await cli(args, { MARQUEE_CONFIG: configFile(), MARQUEE_DATA_DIR: dataDir });
      expect(r.code, r.stderr).toBe(0);
      expect(existsSync(dataDir)).toBe(false);
    },
    60_000,
  );

  it('check-config fails on a metric that does not prepare, still touching nothing', async () => {
    const dataDir = path.join(mkdtempSync(path.join(tmpdir(), 'marquee-side-')), 'data');
    const bad = `metrics:\n  broken:\n    source: marquee\n    returns: scalar\n    type: integer\n    sql: SELECT nope FROM history_points\n`;
    const r = await cli(['check-config'], {
      MARQUEE_CONFIG: configFile(bad),
      MARQUEE_DATA_DIR: dataDir,
      MARQUEE_PLEX_DB: dbs.plexDb,
      MARQUEE_TAUTULLI_DB: dbs.tautulliDb,
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/invalid metrics:\n\s+- metric "broken": unknown column nope/);
    expect(existsSync(dataDir)).toBe(false);
  }, 60_000);

  it('check-config refuses a schedule node-cron would refuse', async () => {
    const r = await cli(['check-config'], { MARQUEE_CONFIG: configFile("collector:\n  schedule: '61 * * * *'\n") });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/collector\.schedule: .*node-cron/);
  }, 60_000);
});

describe('render reads the stored snapshot and writes nothing', () => {
  let m: TestMarquee;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'marquee-side-render-'));
  const stored = () => {
    const db = new Database(path.join(dataDir, 'marquee.db'), { readonly: true });
    try {
      return {
        latest: db.prepare('SELECT taken_at AS takenAt, json FROM latest_snapshot').get(),
        points: db.prepare('SELECT COUNT(*) FROM history_points').pluck().get(),
      };
    } finally {
      db.close();
    }
  };
  beforeAll(async () => {
    // A collecting instance holds the instance lock the whole time: render must not need it.
    m = await startTestMarquee({ dataDir, dbs });
  });
  afterAll(async () => {
    await m?.stop();
  });

  it('draws from the store while a collector runs, changing no stored row or file', async () => {
    const out = path.join(mkdtempSync(path.join(tmpdir(), 'marquee-side-out-')), 'sig.png');
    const env = {
      MARQUEE_CONFIG: configFile(),
      MARQUEE_DATA_DIR: dataDir,
      MARQUEE_PLEX_DB: dbs.plexDb,
      MARQUEE_TAUTULLI_DB: dbs.tautulliDb,
    };
    const rows = stored();
    // SQLite's -wal/-shm are shared with the running collector; every other file is compared by content.
    const files = () => Object.fromEntries(Object.entries(fingerprint(dataDir, dbs.dir)).filter(([f]) => !/-(wal|shm)$/.test(f)));
    const before = files();
    const r = await cli(['render', 'signature', '--out', out], env);
    expect(r.code, r.stderr).toBe(0);
    expect(decodePng(readFileSync(out)).width).toBe(600);
    expect(stored()).toEqual(rows);
    expect(files()).toEqual(before);
  }, 60_000);

  it('refuses to render without a stored snapshot rather than collecting one', async () => {
    const empty = path.join(mkdtempSync(path.join(tmpdir(), 'marquee-side-')), 'data');
    const r = await cli(['render', 'signature', '--out', path.join(tmpdir(), 'never.png')], {
      MARQUEE_CONFIG: configFile(),
      MARQUEE_DATA_DIR: empty,
      MARQUEE_PLEX_DB: dbs.plexDb,
      MARQUEE_TAUTULLI_DB: dbs.tautulliDb,
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no snapshot stored yet/);
    expect(existsSync(empty)).toBe(false);
  }, 60_000);

  it('draws the demo data in demo mode without generating anything', async () => {
    const empty = path.join(mkdtempSync(path.join(tmpdir(), 'marquee-side-')), 'data');
    const out = path.join(mkdtempSync(path.join(tmpdir(), 'marquee-side-out-')), 'og.png');
    const r = await cli(['render', 'og', '--scale', '2', '--out', out], { MARQUEE_CONFIG: configFile(), MARQUEE_DATA_DIR: empty });
    expect(r.code, r.stderr).toBe(0);
    expect(decodePng(readFileSync(out)).width).toBe(2400);
    expect(existsSync(empty)).toBe(false);
  }, 60_000);

  it("draws the demo network's card, and refuses a server the config does not list (issue 20)", async () => {
    const empty = path.join(mkdtempSync(path.join(tmpdir(), 'marquee-side-')), 'data');
    const out = path.join(mkdtempSync(path.join(tmpdir(), 'marquee-side-out-')), 'network.png');
    const env = { MARQUEE_CONFIG: configFile(), MARQUEE_DATA_DIR: empty };
    const r = await cli(['render', 'network', '--out', out], env);
    expect(r.code, r.stderr).toBe(0);
    expect(decodePng(readFileSync(out)).width).toBe(520);
    const bad = await cli(['render', 'signature', '--server', 'nosuch', '--out', out], env);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/--server "nosuch": no such server; the servers are home, 4k/);
    expect(existsSync(empty)).toBe(false);
  }, 60_000);
});
