import Database from 'better-sqlite3';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE_NOW_MS, fixtureDbs } from '../support/fixtures.js';
import { startTestMarquee } from '../support/marquee-instance.js';
import { forbiddenStrings as forbidden, leaks } from '../support/forbidden.js';
import { startSheetsEmulator, type SheetsEmulator } from '../support/sheets-emulator.js';
import { staticAuth } from '../support/sheets-fixture.js';

/**
 * With the default policy, nothing that says who watches what may leave the collector: not into
 * either store, a JSON route, the Sheet, any template's draw list or the logs. The forbidden list
 * is built from the fixture's own data (names, IPs, players, e-mails, tokens, watched titles).
 */
let emulator: SheetsEmulator;
let marquee: Awaited<ReturnType<typeof startTestMarquee>>;
const logs: string[] = [];
const SHEET_ID = 'privacy-sheet-0001';

const forbiddenStrings = () => forbidden([fixtureDbs('demo').tautulliDb]);

beforeAll(async () => {
  emulator = await startSheetsEmulator();
  emulator.addSpreadsheet(SHEET_ID, ['Sheet1']);
  marquee = await startTestMarquee({
    profile: 'demo',
    clock: () => FIXTURE_NOW_MS,
    sheetsAuth: staticAuth(),
    logTo: { write: (line) => void logs.push(line) },
    yaml: `store:\n  write: both\nsheets:\n  spreadsheetId: ${SHEET_ID}\n  rootUrl: ${emulator.rootUrl}\n  credentialsJson: unused-in-tests\n`,
  });
});
afterAll(async () => {
  await marquee?.stop();
  await emulator?.close();
});

describe('default privacy policy', () => {
  it('has real identifying data to protect in the fixture', () => {
    expect(forbiddenStrings().length).toBeGreaterThan(50);
    expect(marquee.collector.latest!.activity!.streamCount).toBeGreaterThan(0);
  });

  it("lets each stream's poster path through, alone, for a blurred poster", () => {
    // The oracle: the thumbs Tautulli's live rows carry (an episode's or a track's is its show's or artist's).
    const db = new Database(fixtureDbs('demo').tautulliDb, { readonly: true });
    const thumbs = db
      .prepare(
        "SELECT CASE WHEN media_type IN ('episode', 'track') AND grandparent_thumb != '' THEN grandparent_thumb ELSE thumb END FROM sessions",
      )
      .pluck()
      .all() as string[];
    db.close();
    const streams = marquee.collector.latest!.activity!.streams;
    expect(streams.every((s) => s.watching === null)).toBe(true);
    const posters = streams.map((s) => s.poster).filter((p): p is string => typeof p === 'string');
    expect(posters.length).toBeGreaterThan(0);
    expect(posters.every((p) => thumbs.includes(p))).toBe(true);
  });

  it('keeps identifying data out of the SQLite store', async () => {
    const stored = JSON.stringify(await marquee.stores.sqlite.latest());
    expect(leaks(stored, forbiddenStrings())).toEqual([]);
    const file = readFileSync(path.join(marquee.config.dataDir, 'marquee.db')).toString('latin1');
    expect(
      leaks(
        file,
        forbiddenStrings().filter((s) => /^[\x20-\x7e]+$/.test(s)),
      ),
    ).toEqual([]);
  });

  it('keeps identifying data out of the Google Sheet', () => {
    const cells = emulator.allValues(SHEET_ID).map(String).join('\n');
    expect(cells.length).toBeGreaterThan(100);
    expect(leaks(cells, forbiddenStrings())).toEqual([]);
  });

  it('keeps identifying data out of every JSON route', async () => {
    const paths = [...marquee.renderer.templates.keys()].flatMap((t) => [`/i/${t}.json`, `/i/${t}.shields.json`]);
    const bodies = await Promise.all([...paths, '/health', '/privacy'].map(async (p) => (await fetch(`${marquee.url}${p}`)).text()));
    expect(leaks(bodies.join('\n'), forbiddenStrings())).toEqual([]);
  });

  it("keeps identifying data out of every built-in template's draw list", async () => {
    const { snapshot, history } = { snapshot: marquee.collector.latest, history: await marquee.stores.sqlite.history(0) };
    const lists = [...marquee.renderer.templates.keys()].map((template) =>
      JSON.stringify(
        marquee.renderer.layout({
          snapshot,
          history,
          template,
          theme: 'dark',
          params: { scale: 1 },
          now: FIXTURE_NOW_MS,
          staleAfterMs: 300_000,
        }),
      ),
    );
    expect(leaks(lists.join('\n'), forbiddenStrings())).toEqual([]);
  });

  it('keeps identifying data out of the logs of a full run', async () => {
    await marquee.collector.collect();
    await fetch(`${marquee.url}/i/nowplaying.png?locale=en-GB`);
    expect(logs.length).toBeGreaterThan(2);
    expect(leaks(logs.join('\n'), forbiddenStrings())).toEqual([]);
  });
});
