import Database from 'better-sqlite3';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateFixtures, type FixturePaths } from '../../fixtures/generator/index.js';
import type { Marquee, ReadOnlyMarquee } from '../../src/main.js';
import { startTestMarquee } from '../support/marquee-instance.js';
import { distinctLibrary, liveTotals, unionMostConcurrent } from '../support/network-oracle.js';

/**
 * Several Plex servers in one Marquee (issue 20), end to end: real instances on 127.0.0.1 over
 * three servers the producer-faithful generator wrote ("Home", a "4K" server with copies of part of
 * Home's films under the same plex:// GUIDs, a "Legacy" one whose copies carry only legacy agents'
 * ids). Expected values come from one-server Marquees over the same files (each server's own images)
 * and from test/support/network-oracle.ts (raw SQL over each file; nothing from src/) for the network.
 */
const NOW_S = 1_790_000_000;
const NOW_MS = NOW_S * 1000;
const clock = () => NOW_MS;
const IDS = ['home', '4k', 'legacy'] as const;
const NAMES = ['Home', '4K', 'Legacy'] as const;

let dir: string;
const files: FixturePaths[] = [];
const running: Array<Marquee | ReadOnlyMarquee> = [];

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'marquee-several-'));
  for (const server of [0, 1, 2])
    files.push(generateFixtures(path.join(dir, `s${server}`), { profile: 'tiny', seed: 11, now: NOW_S, server }));
}, 120_000);
afterAll(async () => {
  await Promise.all(running.map((m) => m.stop()));
  rmSync(dir, { recursive: true, force: true });
});

function serversYaml(count: number, extra = ''): string {
  const entries = files
    .slice(0, count)
    .map(
      (f, i) =>
        `  - id: ${IDS[i]}\n    name: ${NAMES[i]}\n    plex: { db: ${JSON.stringify(f.plexDb)} }\n    tautulli: { db: ${JSON.stringify(f.tautulliDb)} }\n`,
    )
    .join('');
  return `servers:\n${entries}${extra}`;
}

/** A Marquee over `yaml` (startTestMarquee: 127.0.0.1, no schedule), its clock frozen at the fixtures' now. */
async function start(yaml: string, options: { dataDir?: string; readOnly?: boolean } = {}) {
  const marquee = await startTestMarquee({
    yaml,
    noDatabases: true,
    clock,
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    readOnly: options.readOnly === true,
  });
  running.push(marquee);
  return marquee;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a JSON body read field by field
type Json = any;

async function json(url: string): Promise<{ status: number; body: Json }> {
  const res = await fetch(url);
  return { status: res.status, body: res.headers.get('content-type')?.includes('json') ? await res.json() : null };
}

/**
 * What two readings of the same files may differ by: times of the read, this machine's host (and the
 * state, which its CPU load can raise while the tests load the machine), the policy's keyed stamp.
 */
function comparable(snapshot: Json): unknown {
  const { host: _h, privacy: _p, state: _s, ...rest } = snapshot;
  const sources = Object.fromEntries(
    Object.entries(rest.sources as Record<string, Json>)
      .filter(([name]) => name !== 'host')
      .map(([name, s]) => [name, { status: s.status, error: s.error ?? null }]),
  );
  return { ...rest, sources };
}

describe('a Marquee with several servers', () => {
  it("serves each server's images with what a one-server Marquee reports for the same files", async () => {
    const several = await start(serversYaml(3));
    for (const [i, id] of IDS.entries()) {
      const alone = await startTestMarquee({ dbs: { ...files[i]!, dir: path.dirname(files[i]!.plexDb) }, clock });
      running.push(alone);
      const expected = (await json(`${alone.url}/i/signature.json`)).body.snapshot;
      const { status, body } = await json(`${several.url}/i/${id}/signature.json`);
      expect(status, id).toBe(200);
      // One of several names itself (its images say which server); otherwise the same snapshot.
      const { server, ...own } = body.snapshot;
      expect(server, id).toEqual({ id, name: NAMES[i] });
      expect(comparable(own), id).toEqual(comparable(expected));
    }
  });

  it('draws the network from the union of the raw rows: live sums, each film once, the union peak', async () => {
    const several = await start(serversYaml(3));
    const { body } = await json(`${several.url}/i/signature.json`);
    const network = body.snapshot;
    const live = liveTotals(files.map((f) => f.tautulliDb));
    expect(network.activity.streamCount).toBe(live.streams);
    expect(network.activity.bandwidthKbps.total).toBe(live.total);
    expect(network.library.totals).toMatchObject(distinctLibrary(files.map((f) => ({ plexDb: f.plexDb }))));
    const peak = unionMostConcurrent(
      files.map((f) => f.tautulliDb),
      NOW_S,
    );
    expect(network.history.mostConcurrent.streams).toBe(peak.streams);
    expect(network.network).toMatchObject({ servers: 3, online: 3, partial: false });
    expect(network.network.rows.map((r: { id: string; name: string }) => [r.id, r.name])).toEqual(IDS.map((id, i) => [id, NAMES[i]]));
    // The network card itself is a real PNG.
    const png = await fetch(`${several.url}/i/network.png`);
    expect(png.status).toBe(200);
    const meta = await sharp(Buffer.from(await png.arrayBuffer())).metadata();
    expect(meta.format).toBe('png');
  });

  it("keeps serving the others when one server's files vanish: its health fails, the network is partial", async () => {
    const copies = files.slice(0, 2).map((f, i) => {
      const to = mkdtempSync(path.join(dir, `copy${i}-`));
      const plexDb = path.join(to, 'plex.db');
      const tautulliDb = path.join(to, 'tautulli.db');
      for (const [from, dest] of [
        [f.plexDb, plexDb],
        [f.tautulliDb, tautulliDb],
      ] as const) {
        copyFileSync(from, dest);
        if (existsSync(`${from}-wal`)) copyFileSync(`${from}-wal`, `${dest}-wal`);
      }
      return { plexDb, tautulliDb };
    });
    const yaml = `servers:\n${copies
      .map(
        (f, i) =>
          `  - id: ${IDS[i]}\n    name: ${NAMES[i]}\n    plex: { db: ${JSON.stringify(f.plexDb)} }\n    tautulli: { db: ${JSON.stringify(f.tautulliDb)} }\n`,
      )
      .join('')}`;
    const several = await start(yaml);
    expect((await fetch(`${several.url}/health/home`)).status).toBe(200);
    expect((await fetch(`${several.url}/health/4k`)).status).toBe(200);
    rmSync(copies[1]!.tautulliDb);
    rmSync(copies[1]!.plexDb);
    await several.collector!.collect();
    expect((await fetch(`${several.url}/health/4k`)).status).toBe(503);
    expect((await fetch(`${several.url}/health/home`)).status).toBe(200);
    const home = (await json(`${several.url}/i/home/signature.json`)).body.snapshot;
    expect(home.sources.tautulli.status).toBe('ok');
    const network = (await json(`${several.url}/i/signature.json`)).body.snapshot;
    expect(network.network).toMatchObject({ servers: 2, partial: true });
    const png = await fetch(`${several.url}/i/network.png`);
    expect(png.status).toBe(200);
    expect((await sharp(Buffer.from(await png.arrayBuffer())).metadata()).format).toBe('png');
    expect((await fetch(`${several.url}/i/nosuch/signature.png`)).status).toBe(404);
  });

  it('lets a locked server hold back only itself, for no longer than its own time limit', async () => {
    const copies = files.slice(0, 2).map((f, i) => {
      const to = mkdtempSync(path.join(dir, `lock${i}-`));
      const copy = { plexDb: path.join(to, 'plex.db'), tautulliDb: path.join(to, 'tautulli.db') };
      for (const [from, dest] of [
        [f.plexDb, copy.plexDb],
        [f.tautulliDb, copy.tautulliDb],
      ] as const) {
        copyFileSync(from, dest);
        if (existsSync(`${from}-wal`)) copyFileSync(`${from}-wal`, `${dest}-wal`);
      }
      return copy;
    });
    const yaml = `collector: { sourceTimeoutMs: 2000 }\nservers:\n${copies
      .map(
        (f, i) =>
          `  - id: ${IDS[i]}\n    name: ${NAMES[i]}\n    plex: { db: ${JSON.stringify(f.plexDb)} }\n    tautulli: { db: ${JSON.stringify(f.tautulliDb)} }\n`,
      )
      .join('')}`;
    const several = await start(yaml);
    // An exclusive writer on a rollback-journal database: what a VACUUM or a migration holds.
    const writer = new Database(copies[1]!.tautulliDb);
    writer.pragma('journal_mode = DELETE');
    writer.exec("BEGIN EXCLUSIVE; UPDATE users SET friendly_name = friendly_name || ' (renaming)'");
    try {
      const started = performance.now();
      await several.collector!.collect();
      const took = performance.now() - started;
      const home = (await json(`${several.url}/i/home/signature.json`)).body.snapshot;
      const fourK = (await json(`${several.url}/i/4k/signature.json`)).body.snapshot;
      expect(home.sources.tautulli.status).toBe('ok');
      expect(fourK.sources.tautulli.status).toBe('stale');
      expect(fourK.sources.tautulli.error.code).toMatch(/locked|timeout/);
      // Its own limit (2 s), with room for a loaded machine; a reader stuck on the lock would take far longer.
      expect(took).toBeLessThan(8000);
      const network = (await json(`${several.url}/i/signature.json`)).body.snapshot;
      expect(network.network).toMatchObject({ servers: 2, online: 2, partial: true });
      expect(network.activity.streamCount).toBeGreaterThan(0);
      expect((await fetch(`${several.url}/health/4k`)).status).toBe(503);
      expect((await fetch(`${several.url}/health/home`)).status).toBe(200);
    } finally {
      writer.exec('ROLLBACK');
      writer.close();
    }
  }, 30_000);

  it("gives each network row its server's 24 hours as half-hour maxima of the stored series", async () => {
    const several = await start(serversYaml(2));
    const network = (await json(`${several.url}/i/signature.json`)).body.snapshot;
    for (const [i, id] of IDS.slice(0, 2).entries()) {
      const row = network.network.rows[i];
      const own = (await json(`${several.url}/i/${id}/signature.json`)).body.snapshot;
      expect(row.sparkline.length).toBeGreaterThan(0);
      expect(row.sparkline.length).toBeLessThanOrEqual(48);
      // The last half hour holds this cycle's reading: the server's own stream count is in it.
      expect(row.sparkline[47]).toBeGreaterThanOrEqual(own.activity.streamCount);
      expect(row.streams).toBe(own.activity.streamCount);
    }
  });

  it('serves every server and the network in read mode from the store another instance writes', async () => {
    const writer = await start(serversYaml(2));
    const reader = await start(serversYaml(2), { dataDir: writer.dataDir, readOnly: true });
    for (const key of ['', 'home/', '4k/']) {
      const written = (await json(`${writer.url}/i/${key}signature.json`)).body.snapshot;
      const read = (await json(`${reader.url}/i/${key}signature.json`)).body.snapshot;
      expect(read, key || 'network').toEqual(written);
    }
  });

  it("never widens the global policy on the network, whatever one server's override says", async () => {
    const users = new Database(files[0]!.tautulliDb, { readonly: true });
    // What Tautulli shows for a person: the friendly name, else the username (users rows and live rows).
    const names = (
      users
        .prepare(
          'SELECT friendly_name FROM users UNION SELECT username FROM users UNION SELECT friendly_name FROM sessions UNION SELECT user FROM sessions',
        )
        .pluck()
        .all() as Array<string | null>
    ).filter((n): n is string => typeof n === 'string' && n.length >= 4);
    users.close();
    expect(names.length).toBeGreaterThan(0);
    const yaml = serversYaml(2).replace(
      '    name: Home\n',
      '    name: Home\n    privacy: { widen: true, userNames: shown, watching: shown }\n',
    );
    const several = await start(yaml);
    const network = JSON.stringify((await json(`${several.url}/i/signature.json`)).body);
    for (const name of names) expect(network).not.toContain(name);
    // The server that widened shows what it said it would, on its own images only.
    const home = JSON.stringify((await json(`${several.url}/i/home/signature.json`)).body);
    expect(names.some((n) => home.includes(n))).toBe(true);
  });
});
