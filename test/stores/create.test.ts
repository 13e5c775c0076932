import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { openStoreReader } from '../../src/stores/create.js';
import { SqliteStore, STORE_FILE } from '../../src/stores/sqlite/sqlite-store.js';
import { sampleCycle } from '../support/sample-snapshot.js';
import { startSheetsEmulator, type SheetsEmulator } from '../support/sheets-emulator.js';
import { sheetsRig, staticAuth } from '../support/sheets-fixture.js';

/**
 * openStoreReader (`marquee render`) reads every server's data (issue 20), from the SQLite file a
 * collecting Marquee wrote or from the Sheet. Oracle: the cycles the test's own writer stored.
 */

let emu: SheetsEmulator;
beforeAll(async () => {
  emu = await startSheetsEmulator();
});
afterAll(async () => {
  await emu.close();
});
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function configIn(yaml: string) {
  const dir = mkdtempSync(path.join(tmpdir(), 'marquee-reader-'));
  dirs.push(dir);
  const file = path.join(dir, 'marquee.yaml');
  writeFileSync(file, `dataDir: ${JSON.stringify(dir)}\n${yaml}`);
  return { dir, config: loadConfig({ MARQUEE_CONFIG: file }, dir) };
}

const home = sampleCycle(1);
const fourK = sampleCycle(2);
fourK.point.streams = 77;

describe('openStoreReader', () => {
  it('is null before a collecting Marquee created the SQLite store', () => {
    expect(openStoreReader(configIn('').config, Date.now)).toBeNull();
  });

  it("reads each server's snapshot and history from the SQLite store, and writes nothing", async () => {
    const { dir, config } = configIn('');
    const writer = new SqliteStore({ file: path.join(dir, STORE_FILE), retentionDays: 30 });
    await writer.forServer('home').write(home.snapshot, home.point);
    await writer.forServer('4k').write(fourK.snapshot, fourK.point);
    const reader = openStoreReader(config, Date.now)!;
    try {
      expect(reader.kind).toBe('sqlite');
      expect(await reader.forServer('home').latest()).toEqual(home.snapshot);
      expect(await reader.forServer('4k').history(0)).toEqual([fourK.point]);
      expect(await reader.latest()).toBeNull();
      await expect(reader.forServer('home').write(fourK.snapshot, fourK.point)).rejects.toThrow(/readonly/i);
      expect(await writer.forServer('home').latest()).toEqual(home.snapshot);
    } finally {
      await reader.close();
      await writer.close();
    }
  });

  it("reads each server's snapshot and history from the Sheet", async () => {
    const rig = sheetsRig(emu);
    await rig.store.forServer('home').write(home.snapshot, home.point);
    await rig.store.forServer('4k').write(fourK.snapshot, fourK.point);
    const { config } = configIn(
      `store:\n  read: sheets\nsheets:\n  spreadsheetId: ${rig.spreadsheetId}\n  rootUrl: ${JSON.stringify(emu.rootUrl.slice(0, -1))}\n  keyFile: unused-the-test-passes-its-own-auth.json\n`,
    );
    const reader = openStoreReader(config, Date.now, staticAuth())!;
    expect(reader.kind).toBe('sheets');
    expect(await reader.forServer('home').latest()).toEqual(home.snapshot);
    expect(await reader.forServer('4k').history(0)).toEqual([fourK.point]);
    expect(await reader.forServer('_network').latest()).toBeNull();
    await reader.close();
  });
});
