import Database from 'better-sqlite3';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateFixtures, type FixturePaths } from '../../fixtures/generator/index.js';
import { forbiddenStrings as forbidden, leaks } from '../support/forbidden.js';
import { startSheetsEmulator, type SheetsEmulator } from '../support/sheets-emulator.js';
import { startTestMarquee, type TestMarquee } from '../support/marquee-instance.js';
import { staticAuth } from '../support/sheets-fixture.js';

/**
 * The default policy over a network of two servers (issue 20): nothing that says who watches what
 * may reach the network's or a server's store rows, the Sheet's tabs, a JSON route, a draw list of
 * the network or the logs, even with one server's own policy widened. The forbidden list is built
 * from both files' own rows (names, IPs, players, e-mails, tokens, titles).
 */
const NOW_S = 1_790_000_000;
const SHEET_ID = 'network-privacy-0001';
let dir: string;
let files: FixturePaths[];
let emulator: SheetsEmulator;
let marquee: TestMarquee;
const logs: string[] = [];

const forbiddenStrings = () => forbidden(files.map((f) => f.tautulliDb));

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'marquee-network-privacy-'));
  files = [0, 1].map((server) => generateFixtures(path.join(dir, `s${server}`), { profile: 'tiny', seed: 21, now: NOW_S, server }));
  emulator = await startSheetsEmulator();
  emulator.addSpreadsheet(SHEET_ID, ['Sheet1']);
  marquee = await startTestMarquee({
    yaml: [
      'store: { write: both }',
      `sheets: { spreadsheetId: ${SHEET_ID}, rootUrl: ${JSON.stringify(emulator.rootUrl)}, credentialsJson: unused-in-tests }`,
      'servers:',
      ...files.map((f, i) =>
        [
          `  - id: ${['home', '4k'][i]}`,
          `    plex: { db: ${JSON.stringify(f.plexDb)} }`,
          `    tautulli: { db: ${JSON.stringify(f.tautulliDb)} }`,
        ].join('\n'),
      ),
    ].join('\n'),
    noDatabases: true,
    clock: () => NOW_S * 1000,
    sheetsAuth: staticAuth(),
    logTo: { write: (line: string) => void logs.push(line) },
  });
}, 120_000);
afterAll(async () => {
  await marquee?.stop();
  await emulator?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the default policy over a network of servers', () => {
  it('has real identifying data to protect, and live streams on the network', () => {
    expect(forbiddenStrings().length).toBeGreaterThan(30);
    expect(marquee.collector.latest!.activity!.streamCount).toBeGreaterThan(0);
    expect(marquee.collector.latest!.network!.servers).toBe(2);
  });

  it("keeps identifying data out of every server's and the network's stored rows", () => {
    const file = readFileSync(path.join(marquee.config.dataDir, 'marquee.db')).toString('latin1');
    expect(
      leaks(
        file,
        forbiddenStrings().filter((s) => /^[\x20-\x7e]+$/.test(s)),
      ),
    ).toEqual([]);
    const db = new Database(path.join(marquee.config.dataDir, 'marquee.db'), { readonly: true });
    const rows = db.prepare('SELECT server, json FROM latest_snapshot').all() as Array<{ server: string; json: string }>;
    db.close();
    expect(rows.map((r) => r.server).sort()).toEqual(['4k', '_network', 'home']);
    expect(leaks(rows.map((r) => r.json).join('\n'), forbiddenStrings())).toEqual([]);
  });

  it("keeps identifying data out of the Sheet's tabs", () => {
    const cells = emulator.allValues(SHEET_ID).map(String).join('\n');
    expect(cells).toContain('4k');
    expect(leaks(cells, forbiddenStrings())).toEqual([]);
  });

  it('keeps identifying data out of every JSON route of the network and of each server', async () => {
    const templates = [...marquee.renderer.templates.keys()];
    const paths = ['', 'home/', '4k/'].flatMap((key) => templates.flatMap((t) => [`/i/${key}${t}.json`, `/i/${key}${t}.shields.json`]));
    const bodies = await Promise.all(
      [...paths, '/health', '/health/home', '/health/4k'].map(async (p) => (await fetch(`${marquee.url}${p}`)).text()),
    );
    expect(leaks(bodies.join('\n'), forbiddenStrings())).toEqual([]);
  });

  it("keeps identifying data out of every template's draw list of the network", async () => {
    const snapshot = marquee.collector.latest;
    const lists = [...marquee.renderer.templates.keys()].map((template) =>
      JSON.stringify(
        marquee.renderer.layout({
          snapshot,
          history: [],
          template,
          theme: 'dark',
          params: { scale: 1 },
          now: NOW_S * 1000,
          staleAfterMs: 300_000,
        }),
      ),
    );
    expect(leaks(lists.join('\n'), forbiddenStrings())).toEqual([]);
  });

  it('keeps identifying data out of the logs of a full run', async () => {
    await marquee.collector.collect();
    await fetch(`${marquee.url}/i/network.png`);
    await fetch(`${marquee.url}/i/4k/nowplaying.png`);
    expect(logs.length).toBeGreaterThan(2);
    expect(leaks(logs.join('\n'), forbiddenStrings())).toEqual([]);
  });
});
