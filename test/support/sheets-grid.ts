import { formatA1, indexToCol, parseA1, quoteTab, type A1Range } from './sheets-a1.js';

/** The emulator's state: spreadsheets of tabs of sparse cells, plus Google's validation rules. */

export type CellValue = number | string | boolean;

export interface Tab {
  sheetId: number;
  title: string;
  index: number;
  rowCount: number;
  columnCount: number;
  /** cells[row][col]; undefined = empty. */
  cells: (CellValue | undefined)[][];
}

export interface Book {
  spreadsheetId: string;
  title: string;
  tabs: Tab[];
}

/** Thrown by state operations; the server turns it into Google's error envelope. */
export class ApiError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly status = code === 400 ? 'INVALID_ARGUMENT' : code === 404 ? 'NOT_FOUND' : 'FAILED_PRECONDITION',
  ) {
    super(message);
  }
}

export function newTab(sheetId: number, title: string, index: number, rows = 1000, cols = 26): Tab {
  return { sheetId, title, index, rowCount: rows, columnCount: cols, cells: [] };
}

export function cloneBook(b: Book): Book {
  return { ...b, tabs: b.tabs.map((t) => ({ ...t, cells: t.cells.map((r) => (r ? [...r] : r)) })) };
}

export function totalCells(b: Book): number {
  return b.tabs.reduce((n, t) => n + t.rowCount * t.columnCount, 0);
}

export function checkCellLimit(b: Book, maxCells: number, where: string): void {
  if (totalCells(b) > maxCells) {
    throw new ApiError(
      400,
      `Invalid ${where}: This action would increase the number of cells in the workbook above the limit of ${maxCells} cells.`,
    );
  }
}

export function findTab(b: Book, ref: { sheetId?: number | null; title?: string }): Tab {
  const t = b.tabs.find((x) => (ref.title !== undefined ? x.title === ref.title : x.sheetId === ref.sheetId));
  if (!t) throw new ApiError(400, `No grid with id: ${ref.sheetId ?? ref.title}`);
  return t;
}

export function resolveRange(b: Book, a1: string): { tab: Tab; r: A1Range } {
  const r = parseA1(a1);
  const tab = r && (r.tab === undefined ? b.tabs[0] : b.tabs.find((t) => t.title === r.tab));
  if (!r || !tab) throw new ApiError(400, `Unable to parse range: ${a1}`);
  return { tab, r };
}

/** Last row holding any value, +1 (0 for an empty tab). */
export function dataRows(t: Tab): number {
  for (let i = t.cells.length - 1; i >= 0; i--) if (t.cells[i]?.some((v) => v !== undefined)) return i + 1;
  return 0;
}

export function setCell(t: Tab, row: number, col: number, v: CellValue | undefined, where: string): void {
  if (row >= t.rowCount || col >= t.columnCount) {
    throw new ApiError(
      400,
      `${where}: Range (${quoteTab(t.title)}!${indexToCol(col)}${row + 1}) exceeds grid limits. Max rows: ${t.rowCount}, max columns: ${t.columnCount}`,
    );
  }
  (t.cells[row] ??= [])[col] = v;
}

export function truncateGrid(t: Tab): void {
  t.cells.length = Math.min(t.cells.length, t.rowCount);
  for (const r of t.cells) if (r) r.length = Math.min(r.length, t.columnCount);
}

export type Render = 'FORMATTED_VALUE' | 'UNFORMATTED_VALUE' | 'FORMULA';

function render(v: CellValue | undefined, how: Render): CellValue | '' {
  if (v === undefined) return '';
  if (how !== 'FORMATTED_VALUE') return v;
  // Locale-free stand-in for Google's formatting: enough to show why we never read formatted text.
  return typeof v === 'boolean' ? (v ? 'TRUE' : 'FALSE') : String(v);
}

export function readRange(
  b: Book,
  a1: string,
  how: Render,
  major: 'ROWS' | 'COLUMNS',
): { range: string; majorDimension: string; values?: unknown[][] } {
  const { tab, r } = resolveRange(b, a1);
  const endRow = Math.min(r.endRow ?? tab.rowCount, tab.rowCount);
  const endCol = Math.min(r.endCol ?? tab.columnCount, tab.columnCount);
  let grid: unknown[][] = [];
  for (let i = r.startRow; i < endRow; i++) {
    const line: unknown[] = [];
    for (let j = r.startCol; j < endCol; j++) line.push(render(tab.cells[i]?.[j], how));
    grid.push(line);
  }
  if (major === 'COLUMNS') grid = (grid[0] ?? []).map((_, j) => grid.map((line) => line[j]));
  // Google omits trailing empty cells of each line and trailing empty lines.
  grid = grid.map((line) => {
    let n = line.length;
    while (n > 0 && line[n - 1] === '') n--;
    return line.slice(0, n);
  });
  while (grid.length > 0 && grid[grid.length - 1]!.length === 0) grid.pop();
  const range = formatA1(tab.title, r.startRow, r.startCol, Math.max(endRow, r.startRow + 1), Math.max(endCol, r.startCol + 1));
  return { range, majorDimension: major, ...(grid.length ? { values: grid } : {}) };
}

function parseUserEntered(v: unknown): CellValue | undefined {
  if (typeof v !== 'string') return v as CellValue;
  if (/^\s*-?\d+(\.\d+)?([eE][-+]?\d+)?\s*$/.test(v)) return Number(v);
  if (/^(true|false)$/i.test(v)) return v.toUpperCase() === 'TRUE';
  return v;
}

/** values.update / values.append input: null skips a cell, "" clears it. */
export function writeValues(tab: Tab, startRow: number, startCol: number, values: unknown[][], input: string, where: string): number {
  let cells = 0;
  values.forEach((line, i) =>
    line.forEach((v, j) => {
      if (v === null || v === undefined) return;
      const stored = v === '' ? undefined : input === 'USER_ENTERED' ? parseUserEntered(v) : (v as CellValue);
      setCell(tab, startRow + i, startCol + j, stored, where);
      cells++;
    }),
  );
  return cells;
}
