import Database from 'better-sqlite3';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTautulli, type TautulliResult, type TautulliSourceOptions } from '../../src/sources/tautulli/tautulli-source.js';
import { copyFixtureDbs, FIXTURE_NOW_S } from '../support/fixtures.js';
import { deleteHistoryRows, writeStoppedPlays } from '../support/tautulli-writes.js';

/**
 * The history section's token (change-tokens.ts): while it holds, the reader answers `unchanged`
 * and the caller keeps the section it has, so each way the section can change must move it. The
 * oracle for "changed" is the source itself read without any cache at the same `now` (its numbers
 * against Tautulli's own SQL are the conformance tests'): once the token moved, the whole read must
 * equal that; a cache that held on would keep the section read before the change.
 */
const DAY_S = 86_400;
let dbs: ReturnType<typeof copyFixtureDbs>;
beforeAll(() => {
  dbs = copyFixtureDbs('demo');
});
afterAll(() => rmSync(dbs.dir, { recursive: true, force: true }));

const base = (nowS: number, timeZone = 'UTC'): TautulliSourceOptions => ({
  dbPath: dbs.tautulliDb,
  now: nowS * 1000,
  timeZone,
  topLimit: 5,
});
const plain = async (nowS: number, timeZone = 'UTC') => {
  const r = await readTautulli(base(nowS, timeZone));
  if (!r.ok) throw new Error(r.error.message);
  return r.data;
};
const cached = (nowS: number, known?: string, timeZone = 'UTC') =>
  readTautulli({ ...base(nowS, timeZone), historyCache: known ? { knownToken: known } : true });
const tokenOf = (r: TautulliResult) => (r.ok && r.historyCache ? r.historyCache.token : undefined);
const unchanged = (r: TautulliResult) => r.ok && !!r.historyCache && 'unchanged' in r.historyCache;

/** Reads once, then again with that token: the second answer must be `unchanged`; returns the token. */
async function held(nowS: number, timeZone = 'UTC'): Promise<string> {
  const first = await cached(nowS, undefined, timeZone);
  expect(first.ok && first.data).toEqual(await plain(nowS, timeZone));
  const again = await cached(nowS, tokenOf(first), timeZone);
  expect(unchanged(again)).toBe(true);
  expect(again.ok && again.data.history).toBeNull();
  // Live activity is read every time, token or not.
  expect(again.ok && again.data.activity).toEqual((await plain(nowS, timeZone)).activity);
  return tokenOf(first)!;
}

/** After a change, with the old token: a whole read, equal to the uncached source's. */
async function movesOn(token: string, nowS: number, timeZone = 'UTC') {
  const after = await cached(nowS, token, timeZone);
  expect(unchanged(after)).toBe(false);
  expect(tokenOf(after)).not.toBe(token);
  expect(after.ok && after.data).toEqual(await plain(nowS, timeZone));
}

/** The stop time of a row well inside the data and the 30 days, whose `days`-window edge is crossed alone. */
function edgeRow(days: number): number {
  const db = new Database(dbs.tautulliDb, { readonly: true });
  try {
    // The first row stopping after both the 30-day window's start and a quiet second before it, so
    // that `now` one second later moves only this row across the edge.
    const rows = db
      .prepare('SELECT stopped FROM session_history WHERE stopped >= ? ORDER BY stopped')
      .pluck()
      .all(FIXTURE_NOW_S - 30 * DAY_S + (30 - days) * DAY_S - 2 * DAY_S) as number[];
    const at = rows.findIndex((t, i) => i > 0 && rows[i - 1]! < t - 1 && (rows[i + 1] ?? Infinity) > t);
    return rows[at]!;
  } finally {
    db.close();
  }
}

/** The id of the first history row that stopped at or after `sinceS`. */
function oldestSince(sinceS: number): number {
  const db = new Database(dbs.tautulliDb, { readonly: true });
  try {
    return db.prepare('SELECT id FROM session_history WHERE stopped >= ? ORDER BY id LIMIT 1').pluck().get(sinceS) as number;
  } finally {
    db.close();
  }
}

const sql = (statement: string, ...params: unknown[]) => {
  const db = new Database(dbs.tautulliDb);
  db.prepare(statement).run(...params);
  db.close();
};

describe('Tautulli history token', () => {
  it('moves when a play stops (a new history row)', async () => {
    const token = await held(FIXTURE_NOW_S);
    writeStoppedPlays(dbs.tautulliDb, { startedS: FIXTURE_NOW_S - 600, stoppedS: FIXTURE_NOW_S - 60 });
    await movesOn(token, FIXTURE_NOW_S);
  });

  it('moves when a user is renamed in Tautulli', async () => {
    const token = await held(FIXTURE_NOW_S);
    sql("UPDATE users SET friendly_name = 'Renamed Person' WHERE rowid = (SELECT MIN(rowid) FROM users WHERE user_id IS NOT NULL)");
    await movesOn(token, FIXTURE_NOW_S);
  });

  it('moves when `now` carries a row past the 30-day window’s edge', async () => {
    const inside = edgeRow(30) + 30 * DAY_S;
    const token = await held(inside);
    await movesOn(token, inside + 1);
  });

  it.each([
    ['24-hour', 1],
    ['7-day', 7],
  ] as const)('answers the %s window read afresh while the token holds, as `now` carries a row past its edge', async (_label, days) => {
    const inside = edgeRow(days) + days * DAY_S;
    const token = await held(inside);
    const after = await cached(inside + 1, token);
    expect(unchanged(after)).toBe(true);
    const expected = (await plain(inside + 1)).history!;
    const answer = after.ok && after.historyCache && 'unchanged' in after.historyCache ? after.historyCache : null;
    expect(answer?.windows).toEqual({ '24h': expected.windows['24h'], '7d': expected.windows['7d'] });
    // The edge moved one of these windows, and nothing the token holds for.
    expect(expected.windows).not.toEqual((await plain(inside)).history!.windows);
    expect({ ...expected, windows: null }).toEqual({ ...(await plain(inside)).history!, windows: null });
  });

  it('moves when a row is deleted', async () => {
    const token = await held(FIXTURE_NOW_S);
    deleteHistoryRows(dbs.tautulliDb, [oldestSince(FIXTURE_NOW_S - 2 * DAY_S)]);
    await movesOn(token, FIXTURE_NOW_S);
  });

  it('moves when the local date turns, so the 30 graphed days end on the new day', async () => {
    // Local midnight in Tokyo (UTC+9) is 15:00 UTC: the second before and the second of it.
    const midnight = Math.floor((FIXTURE_NOW_S + 9 * 3600) / DAY_S) * DAY_S - 9 * 3600;
    const token = await held(midnight - 1, 'Asia/Tokyo');
    await movesOn(token, midnight, 'Asia/Tokyo');
  });

  it('moves when a library section is renamed (private sections are named) or the list length, zone or grouping differ', async () => {
    const token = await held(FIXTURE_NOW_S);
    for (const options of [{ topLimit: 3 }, { timeZone: 'America/New_York' }, { groupHistory: false }]) {
      const r = await readTautulli({ ...base(FIXTURE_NOW_S), ...options, historyCache: { knownToken: token } });
      expect(unchanged(r)).toBe(false);
    }
    sql("UPDATE library_sections SET section_name = section_name || ' (old)' WHERE rowid = (SELECT MIN(rowid) FROM library_sections)");
    await movesOn(token, FIXTURE_NOW_S);
  });
});
