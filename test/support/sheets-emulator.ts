import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { applyBatch } from './sheets-batch.js';
import { decodeJwtClaims, ERROR_BODIES, matchRoute, readBody, type Op, type Route } from './sheets-http.js';
import {
  ApiError,
  checkCellLimit,
  cloneBook,
  dataRows,
  newTab,
  readRange,
  resolveRange,
  writeValues,
  type Book,
  type CellValue,
  type Render,
} from './sheets-grid.js';

/**
 * A stateful Sheets API v4 emulator for the real googleapis client (pass `rootUrl`). Listens on
 * 127.0.0.1 only. Covers what Marquee calls plus the common values.* methods; it does not evaluate
 * formulas, apply number formats or locales, or honour `fields` masks.
 */

export type { Op };

export interface LoggedRequest {
  op: Op;
  method: string;
  /** Raw path and query, as sent. */
  url: string;
  body: unknown;
  authorization?: string;
  status: number;
}

export interface FaultOptions {
  status?: 429 | 500 | 503 | 400;
  delayMs?: number;
  /** Apply the request, then answer with the error: a write that landed but looked failed. */
  afterApply?: boolean;
  /** Only requests of these ops count against this fault. Default: every Sheets call. */
  ops?: Op[];
}

interface Fault extends FaultOptions {
  remaining: number;
}

export interface SheetsEmulator {
  /** Origin with a trailing slash, ready for `rootUrl`. */
  readonly rootUrl: string;
  readonly log: LoggedRequest[];
  /** Tokens handed out by POST /token. */
  readonly issuedTokens: string[];
  /** Google's 10M-cell workbook limit, lowered by tests to reach it. */
  maxCells: number;
  addSpreadsheet(spreadsheetId: string, tabs?: string[]): void;
  /** A copy of one tab's cells (rows of values, empty cells undefined). */
  cells(spreadsheetId: string, tab: string): (CellValue | undefined)[][];
  /** Every stored value of a spreadsheet, all tabs: for "this must never reach Google" checks. */
  allValues(spreadsheetId: string): CellValue[];
  grid(spreadsheetId: string, tab: string): { sheetId: number; rowCount: number; columnCount: number } | undefined;
  /** The next n matching requests fail with `status` (default 429), optionally after a delay. */
  failNext(n: number, opts?: FaultOptions): void;
  /** The next n matching requests are answered normally, but only after `ms`. */
  delayNext(n: number, ms: number, opts?: Pick<FaultOptions, 'ops'>): void;
  clearFaults(): void;
  calls(op: Op): LoggedRequest[];
  close(): Promise<void>;
}

export async function startSheetsEmulator(opts: { maxCells?: number; auth?: 'any' | 'issued' } = {}): Promise<SheetsEmulator> {
  const books = new Map<string, Book>();
  const log: LoggedRequest[] = [];
  const issuedTokens: string[] = [];
  let faults: Fault[] = [];

  const book = (id: string): Book => {
    const b = books.get(id);
    if (!b) throw new ApiError(404, 'Requested entity was not found.');
    return b;
  };

  const emu: SheetsEmulator = {
    rootUrl: '',
    log,
    issuedTokens,
    maxCells: opts.maxCells ?? 10_000_000,
    addSpreadsheet(id, tabs = ['Sheet1']) {
      books.set(id, { spreadsheetId: id, title: id, tabs: tabs.map((t, i) => newTab(i === 0 ? 0 : 1000 + i, t, i)) });
    },
    cells(id, tab) {
      const t = book(id).tabs.find((x) => x.title === tab);
      return t ? cloneBook({ spreadsheetId: id, title: '', tabs: [t] }).tabs[0]!.cells.map((r) => r ?? []) : [];
    },
    allValues(id) {
      return book(id).tabs.flatMap((t) => t.cells.flatMap((r) => (r ?? []).filter((v): v is CellValue => v !== undefined)));
    },
    grid(id, tab) {
      const t = book(id).tabs.find((x) => x.title === tab);
      return t && { sheetId: t.sheetId, rowCount: t.rowCount, columnCount: t.columnCount };
    },
    failNext(n, f = {}) {
      faults.push({ ...f, status: f.status ?? 429, remaining: n });
    },
    delayNext(n, ms, f = {}) {
      faults.push({ ...f, delayMs: ms, remaining: n });
    },
    clearFaults() {
      faults = [];
    },
    calls(op) {
      return log.filter((r) => r.op === op);
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const raw = req.url ?? '/';
    const [path = '/', query = ''] = raw.split('?', 2);
    const qs = new URLSearchParams(query);
    const text = await readBody(req);
    const entry: LoggedRequest = {
      op: 'unknown',
      method: req.method ?? 'GET',
      url: raw,
      body: undefined,
      authorization: req.headers.authorization,
      status: 200,
    };
    log.push(entry);
    const send = (status: number, body: unknown): void => {
      entry.status = status;
      res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' });
      res.end(JSON.stringify(body));
    };
    const sendError = (code: number, message: string, status: string, details?: unknown[]): void =>
      send(code, { error: { code, message, status, ...(details ? { details } : {}) } });

    if (path === '/token' && req.method === 'POST') {
      entry.op = 'token';
      const form = new URLSearchParams(text);
      entry.body = { grant_type: form.get('grant_type'), claims: decodeJwtClaims(form.get('assertion')) };
      if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer')
        return sendError(400, 'unsupported_grant_type', 'INVALID_ARGUMENT');
      const token = `emu-token-${issuedTokens.length + 1}`;
      issuedTokens.push(token);
      return send(200, { access_token: token, expires_in: 3599, token_type: 'Bearer' });
    }

    const route = matchRoute(req.method ?? 'GET', path);
    entry.op = route?.op ?? 'unknown';
    try {
      entry.body = text ? JSON.parse(text) : undefined;
    } catch {
      entry.body = text;
    }
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!bearer || (opts.auth === 'issued' && !issuedTokens.includes(bearer))) {
      return sendError(
        401,
        'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.',
        'UNAUTHENTICATED',
      );
    }

    const fault = faults.find((f) => f.remaining > 0 && (!f.ops || f.ops.includes(entry.op)));
    if (fault) fault.remaining--;
    if (fault?.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
    const injected = fault?.status && ERROR_BODIES[fault.status];
    if (injected && !fault.afterApply) return sendError(fault.status!, injected.message, injected.status, injected.details);

    try {
      if (!route) throw new ApiError(404, `Method not found: ${req.method} ${path}`, 'NOT_FOUND');
      const result = dispatch(route, qs, entry.body as Record<string, unknown> | undefined);
      if (injected) return sendError(fault.status!, injected.message, injected.status, injected.details);
      send(200, result);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      sendError(err.code, err.message, err.status);
    }
  };

  const dispatch = (route: Route, qs: URLSearchParams, body: Record<string, unknown> | undefined): unknown => {
    const b = book(route.id);
    const render = (qs.get('valueRenderOption') ?? 'FORMATTED_VALUE') as Render;
    const major = (qs.get('majorDimension') ?? 'ROWS') as 'ROWS' | 'COLUMNS';
    const input = qs.get('valueInputOption');
    switch (route.op) {
      case 'spreadsheets.get':
        return {
          spreadsheetId: b.spreadsheetId,
          properties: { title: b.title, locale: 'en_US', timeZone: 'Etc/UTC' },
          sheets: b.tabs.map((t) => ({
            properties: {
              sheetId: t.sheetId,
              title: t.title,
              index: t.index,
              sheetType: 'GRID',
              gridProperties: { rowCount: t.rowCount, columnCount: t.columnCount },
            },
          })),
          spreadsheetUrl: `${emu.rootUrl}spreadsheets/d/${b.spreadsheetId}/edit`,
        };
      case 'spreadsheets.batchUpdate': {
        const { next, replies } = applyBatch(b, (body?.requests as Record<string, unknown>[]) ?? [], emu.maxCells);
        books.set(b.spreadsheetId, next);
        return { spreadsheetId: b.spreadsheetId, replies };
      }
      case 'values.get':
        return readRange(b, route.range!, render, major);
      case 'values.batchGet':
        return { spreadsheetId: b.spreadsheetId, valueRanges: qs.getAll('ranges').map((r) => readRange(b, r, render, major)) };
      case 'values.update':
      case 'values.append': {
        if (input !== 'RAW' && input !== 'USER_ENTERED') throw new ApiError(400, "'valueInputOption' is required but not specified");
        const next = cloneBook(b);
        const { tab, r } = resolveRange(next, route.range!);
        const values = (body?.values as unknown[][]) ?? [];
        const row = route.op === 'values.append' ? Math.max(dataRows(tab), r.startRow) : r.startRow;
        if (route.op === 'values.append') tab.rowCount = Math.max(tab.rowCount, row + values.length);
        const updatedCells = writeValues(tab, row, r.startCol, values, input, route.op);
        checkCellLimit(next, emu.maxCells, route.op);
        books.set(b.spreadsheetId, next);
        const updates = { spreadsheetId: b.spreadsheetId, updatedRows: values.length, updatedCells };
        return route.op === 'values.append' ? { spreadsheetId: b.spreadsheetId, updates } : updates;
      }
      default:
        throw new ApiError(404, 'Method not found.', 'NOT_FOUND');
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 500, message: `emulator bug: ${String(err)}`, status: 'INTERNAL' } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  (emu as { rootUrl: string }).rootUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return emu;
}
