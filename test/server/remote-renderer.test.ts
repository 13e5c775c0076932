import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE_NOW_MS } from '../support/fixtures.js';
import { startTestMarquee } from '../support/marquee-instance.js';
import { decodePng } from '../support/png.js';
import { startSheetsEmulator, type SheetsEmulator } from '../support/sheets-emulator.js';
import { staticAuth } from '../support/sheets-fixture.js';

/**
 * The deployment the Sheet exists for: a collector on the Plex box writes the Sheet, and a renderer
 * elsewhere (`serve --no-collect --store sheets`) draws from it without touching any Plex data.
 */
const SHEET_ID = 'remote-renderer-sheet';
let emulator: SheetsEmulator;
let collector: Awaited<ReturnType<typeof startTestMarquee>>;
let renderer: Awaited<ReturnType<typeof startTestMarquee>>;
const sheetsYaml = (extra: string) =>
  `sheets:\n  spreadsheetId: ${SHEET_ID}\n  rootUrl: ${'ROOT'}\n  credentialsJson: unused-in-tests\n  readerTtlS: 60\n${extra}`;

beforeAll(async () => {
  emulator = await startSheetsEmulator();
  emulator.addSpreadsheet(SHEET_ID, ['Sheet1']);
  const yaml = (extra: string) => sheetsYaml(extra).replace('ROOT', emulator.rootUrl);
  collector = await startTestMarquee({
    clock: () => FIXTURE_NOW_MS,
    sheetsAuth: staticAuth(),
    yaml: `${yaml('')}store:\n  write: sheets\n`,
  });
  renderer = await startTestMarquee({
    clock: () => FIXTURE_NOW_MS,
    sheetsAuth: staticAuth(),
    readOnly: true,
    // The renderer has no Plex data at all: only the Sheet.
    env: { MARQUEE_PLEX_DB: '/nonexistent/plex.db', MARQUEE_TAUTULLI_DB: '/nonexistent/tautulli.db' },
    yaml: `${yaml('')}store:\n  read: sheets\n  write: sqlite\n`,
  });
});
afterAll(async () => {
  await renderer?.stop();
  await collector?.stop();
  await emulator?.close();
});

describe('remote renderer reading the Sheet', () => {
  it('serves the snapshot the collector wrote', async () => {
    const body = (await (await fetch(`${renderer.url}/i/signature.json`)).json()) as { snapshot: { takenAt: number; library: unknown } };
    expect(body.snapshot.takenAt).toBe(collector.collector.latest!.takenAt);
    expect(body.snapshot.library).toEqual(collector.collector.latest!.library);
  });

  it('draws images from it', async () => {
    const res = await fetch(`${renderer.url}/i/signature.png`);
    expect(res.status).toBe(200);
    expect(decodePng(Buffer.from(await res.arrayBuffer())).width).toBe(600);
  });

  it('makes at most one Sheets read per TTL, however many requests arrive', async () => {
    const readsBefore = emulator.log.filter((r) => r.op === 'values.batchGet').length;
    // The earlier tests already made the one read this TTL allows.
    expect(readsBefore).toBe(1);
    const responses = await Promise.all(
      Array.from({ length: 40 }, (_, i) => fetch(`${renderer.url}/i/${i % 2 ? 'banner' : 'card'}.png?border_radius=${i % 5}`)),
    );
    expect(responses.every((r) => r.status === 200)).toBe(true);
    const reads = emulator.log.filter((r) => r.op === 'values.batchGet').length - readsBefore;
    expect(reads).toBe(0);
  });

  it('reports the Sheet store in /health', async () => {
    const body = (await (await fetch(`${renderer.url}/health`)).json()) as { checks: Record<string, { status: string }[]> };
    expect(body.checks['store:sheets']![0]!.status).toBe('pass');
  });
});
