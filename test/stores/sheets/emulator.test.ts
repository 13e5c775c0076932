import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSheetsClient, type SheetsClient } from '../../../src/stores/sheets/client.js';
import { parseA1 } from '../../support/sheets-a1.js';
import { startSheetsEmulator, type SheetsEmulator } from '../../support/sheets-emulator.js';
import { staticAuth } from '../../support/sheets-fixture.js';

/** The emulator itself, driven by the real googleapis client, so store tests can trust it. */

let emu: SheetsEmulator;
let client: SheetsClient;
const id = 'emu-sheet';
beforeAll(async () => {
  emu = await startSheetsEmulator();
  emu.addSpreadsheet(id, ['Sheet1', 'my tab', "it's"]);
  client = createSheetsClient({ auth: staticAuth(), rootUrl: emu.rootUrl });
});
afterAll(async () => {
  await emu.close();
});

const errorOf = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (e) {
    return e as { status?: number; message: string; response?: { data: unknown } };
  }
  throw new Error('expected a failure');
};

describe('sheets emulator', () => {
  it('parses A1 ranges like the API does', () => {
    expect(parseA1("'my tab'!A1:B2")).toEqual({ tab: 'my tab', startRow: 0, startCol: 0, endRow: 2, endCol: 2 });
    expect(parseA1("'it''s'!B3")).toEqual({ tab: "it's", startRow: 2, startCol: 1, endRow: 3, endCol: 2 });
    expect(parseA1('history!A2:A')).toEqual({ tab: 'history', startRow: 1, startCol: 0, endCol: 1 });
    expect(parseA1('history!2:5')).toEqual({ tab: 'history', startRow: 1, startCol: 0, endRow: 5 });
    expect(parseA1('history')).toEqual({ tab: 'history', startRow: 0, startCol: 0 });
    expect(parseA1('AA10:AB')).toEqual({ startRow: 9, startCol: 26, endCol: 28, tab: undefined });
  });

  it('round-trips values.update / get / append / batchGet on quoted tab names', async () => {
    const upd = await client.spreadsheets.values.update({
      spreadsheetId: id,
      range: "'my tab'!A1:C2",
      valueInputOption: 'RAW',
      requestBody: {
        values: [
          ['h1', 'h2', 'h3'],
          [1, '=2+2', true],
        ],
      },
    });
    expect(upd.data.updatedCells).toBe(6);
    await client.spreadsheets.values.append({
      spreadsheetId: id,
      range: "'my tab'!A:C",
      valueInputOption: 'USER_ENTERED',
      insertDataOption: 'INSERT_ROWS',
      requestBody: { values: [['0.5', 'x']] },
    });
    const raw = await client.spreadsheets.values.get({ spreadsheetId: id, range: "'my tab'!A1:C", valueRenderOption: 'UNFORMATTED_VALUE' });
    expect(raw.data.values).toEqual([
      ['h1', 'h2', 'h3'],
      [1, '=2+2', true],
      [0.5, 'x'],
    ]);
    const fmt = await client.spreadsheets.values.get({ spreadsheetId: id, range: "'my tab'!A2:C2" });
    expect(fmt.data.values).toEqual([['1', '=2+2', 'TRUE']]);
    const cols = await client.spreadsheets.values.batchGet({
      spreadsheetId: id,
      ranges: ["'my tab'!A:A", "'it''s'!A1:B2"],
      majorDimension: 'COLUMNS',
      valueRenderOption: 'UNFORMATTED_VALUE',
    });
    expect(cols.data.valueRanges?.[0]?.values).toEqual([['h1', 1, 0.5]]);
    expect(cols.data.valueRanges?.[1]).toEqual({ range: "'it''s'!A1:B2", majorDimension: 'COLUMNS' });
    expect(emu.calls('values.batchGet').at(-1)!.url).toContain('ranges=%27my%20tab%27%21A%3AA&ranges=');
  });

  it('applies batchUpdate atomically: one bad request leaves nothing changed', async () => {
    const before = emu.cells(id, 'Sheet1');
    const err = await errorOf(
      client.spreadsheets.batchUpdate({
        spreadsheetId: id,
        requestBody: {
          requests: [
            {
              updateCells: {
                start: { sheetId: 0, rowIndex: 0, columnIndex: 0 },
                rows: [{ values: [{ userEnteredValue: { stringValue: 'x' } }] }],
                fields: 'userEnteredValue',
              },
            },
            {
              updateCells: {
                start: { sheetId: 0, rowIndex: 5000, columnIndex: 0 },
                rows: [{ values: [{ userEnteredValue: { numberValue: 1 } }] }],
                fields: 'userEnteredValue',
              },
            },
          ],
        },
      }),
    );
    expect(err.status).toBe(400);
    expect(err.message).toMatch(/exceeds grid limits/);
    expect(emu.cells(id, 'Sheet1')).toEqual(before);
  });

  it('injects 429 with Google RESOURCE_EXHAUSTED body, and 500', async () => {
    emu.failNext(1, { status: 429 });
    const e429 = await errorOf(client.spreadsheets.get({ spreadsheetId: id }));
    expect(e429.status).toBe(429);
    expect(e429.response?.data).toMatchObject({
      error: {
        code: 429,
        status: 'RESOURCE_EXHAUSTED',
        details: [{ reason: 'RATE_LIMIT_EXCEEDED', metadata: { quota_metric: 'sheets.googleapis.com/write_requests' } }],
      },
    });
    emu.failNext(1, { status: 500 });
    expect((await errorOf(client.spreadsheets.get({ spreadsheetId: id }))).status).toBe(500);
    expect((await client.spreadsheets.get({ spreadsheetId: id })).data.sheets).toHaveLength(3);
  });

  it('enforces the workbook cell limit with Google 400', async () => {
    emu.maxCells = 3 * 26_000 + 10;
    try {
      const err = await errorOf(
        client.spreadsheets.batchUpdate({
          spreadsheetId: id,
          requestBody: { requests: [{ addSheet: { properties: { title: 'more' } } }] },
        }),
      );
      expect(err.status).toBe(400);
      expect(err.message).toMatch(/above the limit of 78010 cells/);
    } finally {
      emu.maxCells = 10_000_000;
    }
  });

  it('answers unknown ranges and spreadsheets like Google', async () => {
    const bad = await errorOf(client.spreadsheets.values.get({ spreadsheetId: id, range: 'nope!A1' }));
    expect([bad.status, bad.message]).toEqual([400, 'Unable to parse range: nope!A1']);
    expect((await errorOf(client.spreadsheets.get({ spreadsheetId: 'missing' }))).status).toBe(404);
  });

  it('logs every request with method, raw path and body', async () => {
    await client.spreadsheets.values.update({
      spreadsheetId: id,
      range: 'Sheet1!B2',
      valueInputOption: 'RAW',
      requestBody: { values: [[7]] },
    });
    const last = emu.log.at(-1)!;
    expect(last).toMatchObject({
      op: 'values.update',
      method: 'PUT',
      body: { values: [[7]] },
      status: 200,
      authorization: 'Bearer test-token',
    });
    expect(last.url).toMatch(/^\/v4\/spreadsheets\/emu-sheet\/values\/Sheet1%21B2\?valueInputOption=RAW/);
  });
});
