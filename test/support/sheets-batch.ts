import {
  ApiError,
  checkCellLimit,
  cloneBook,
  dataRows,
  findTab,
  newTab,
  setCell,
  truncateGrid,
  type Book,
  type CellValue,
  type Tab,
} from './sheets-grid.js';

/**
 * spreadsheets.batchUpdate: the requests apply to a copy, which replaces the book only if every
 * request succeeds, because Google applies a batch atomically.
 */

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function cellValue(cell: Json | undefined, where: string): CellValue | undefined {
  const v = cell?.userEnteredValue as Json | undefined;
  if (!v) return undefined;
  if ('formulaValue' in v) throw new ApiError(400, `${where}: formulaValue is not supported by the emulator`);
  return (v.numberValue ?? v.stringValue ?? v.boolValue) as CellValue | undefined;
}

function writeRows(
  tab: Tab,
  rows: Json[] | undefined,
  row0: number,
  col0: number,
  where: string,
  maxRow = Infinity,
  maxCol = Infinity,
): void {
  (rows ?? []).forEach((r, i) => {
    if (row0 + i >= maxRow) return;
    ((r.values as Json[] | undefined) ?? []).forEach((c, j) => {
      if (col0 + j < maxCol) setCell(tab, row0 + i, col0 + j, cellValue(c, where), where);
    });
  });
}

function applyOne(book: Book, req: Json, where: string): Json {
  const [kind] = Object.keys(req);
  const body = req[kind!] as Json;
  switch (kind) {
    case 'addSheet': {
      const p = (body.properties ?? {}) as Json;
      const title = (p.title as string | undefined) ?? `Sheet${book.tabs.length + 1}`;
      if (book.tabs.some((t) => t.title === title)) {
        throw new ApiError(400, `${where}: A sheet with the name "${title}" already exists. Please enter another name.`);
      }
      const id = (p.sheetId as number | undefined) ?? 1 + Math.max(0, ...book.tabs.map((t) => t.sheetId));
      if (book.tabs.some((t) => t.sheetId === id)) throw new ApiError(400, `${where}: Sheet with id ${id} already exists.`);
      const g = (p.gridProperties ?? {}) as Json;
      const tab = newTab(id, title, book.tabs.length, g.rowCount ?? 1000, g.columnCount ?? 26);
      book.tabs.push(tab);
      return {
        addSheet: {
          properties: {
            sheetId: id,
            title,
            index: tab.index,
            sheetType: 'GRID',
            gridProperties: { rowCount: tab.rowCount, columnCount: tab.columnCount },
          },
        },
      };
    }
    case 'updateSheetProperties': {
      const p = (body.properties ?? {}) as Json;
      const tab = findTab(book, { sheetId: p.sheetId });
      const fields = String(body.fields ?? '');
      const has = (f: string): boolean => fields === '*' || fields.includes(f);
      if (p.title !== undefined && has('title')) tab.title = p.title;
      const g = (p.gridProperties ?? {}) as Json;
      if (g.rowCount !== undefined && has('rowCount')) tab.rowCount = g.rowCount;
      if (g.columnCount !== undefined && has('columnCount')) tab.columnCount = g.columnCount;
      if (tab.rowCount < 1 || tab.columnCount < 1) throw new ApiError(400, `${where}: a sheet needs at least one row and column`);
      truncateGrid(tab);
      return {};
    }
    case 'updateCells': {
      if (!String(body.fields ?? '').includes('userEnteredValue') && body.fields !== '*') {
        throw new ApiError(400, `${where}: fields is required`);
      }
      if (body.range) {
        const g = body.range as Json;
        const tab = findTab(book, { sheetId: g.sheetId ?? 0 });
        const r0 = g.startRowIndex ?? 0;
        const c0 = g.startColumnIndex ?? 0;
        const r1 = g.endRowIndex ?? tab.rowCount;
        const c1 = g.endColumnIndex ?? tab.columnCount;
        if (r1 > tab.rowCount || c1 > tab.columnCount)
          throw new ApiError(400, `${where}: Range exceeds grid limits. Max rows: ${tab.rowCount}, max columns: ${tab.columnCount}`);
        // With a range, every cell of the range not given data is cleared.
        for (let i = r0; i < r1; i++) for (let j = c0; j < c1; j++) if (tab.cells[i]) tab.cells[i]![j] = undefined;
        writeRows(tab, body.rows, r0, c0, where, r1, c1);
      } else {
        const s = (body.start ?? {}) as Json;
        writeRows(findTab(book, { sheetId: s.sheetId ?? 0 }), body.rows, s.rowIndex ?? 0, s.columnIndex ?? 0, where);
      }
      return {};
    }
    case 'appendCells': {
      const tab = findTab(book, { sheetId: body.sheetId });
      const rows = (body.rows ?? []) as Json[];
      const at = dataRows(tab);
      const width = Math.max(0, ...rows.map((r) => ((r.values as Json[] | undefined) ?? []).length));
      if (width > tab.columnCount) throw new ApiError(400, `${where}: Range exceeds grid limits. Max columns: ${tab.columnCount}`);
      // Appending grows the grid, which is how a history tab eats into the cell budget.
      tab.rowCount = Math.max(tab.rowCount, at + rows.length);
      writeRows(tab, rows, at, 0, where);
      return {};
    }
    case 'deleteDimension': {
      const g = (body.range ?? {}) as Json;
      const tab = findTab(book, { sheetId: g.sheetId ?? 0 });
      const start = g.startIndex ?? 0;
      const end = g.endIndex ?? (g.dimension === 'COLUMNS' ? tab.columnCount : tab.rowCount);
      if (g.dimension === 'ROWS') {
        if (end - start >= tab.rowCount) throw new ApiError(400, `${where}: You can't delete all the rows on the sheet.`);
        tab.cells.splice(start, end - start);
        tab.rowCount -= end - start;
      } else if (g.dimension === 'COLUMNS') {
        if (end - start >= tab.columnCount) throw new ApiError(400, `${where}: You can't delete all the columns on the sheet.`);
        for (const r of tab.cells) r?.splice(start, end - start);
        tab.columnCount -= end - start;
      } else throw new ApiError(400, `${where}: dimension is required`);
      return {};
    }
    case 'deleteSheet': {
      const tab = findTab(book, { sheetId: body.sheetId });
      book.tabs.splice(book.tabs.indexOf(tab), 1);
      book.tabs.forEach((t, i) => (t.index = i));
      return {};
    }
    case 'repeatCell':
      return {};
    default:
      throw new ApiError(400, `${where}: request kind ${String(kind)} is not supported by the emulator`);
  }
}

export function applyBatch(book: Book, requests: Json[], maxCells: number): { next: Book; replies: Json[] } {
  const next = cloneBook(book);
  const replies = requests.map((req, i) => {
    const where = `requests[${i}].${Object.keys(req)[0] ?? '?'}`;
    const reply = applyOne(next, req, where);
    checkCellLimit(next, maxCells, where);
    return reply;
  });
  return { next, replies };
}
