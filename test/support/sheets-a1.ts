/**
 * A1 notation as the Sheets API reads it: `'my tab'!A1:B2`, `tab!A:A`, `tab!2:5`, `tab!A2:C`,
 * `tab` (whole tab), `A1:B2` (first tab). Quotes around a tab name double to escape ('it''s').
 */

export interface A1Range {
  /** Undefined when the range names no tab (means the first tab). */
  tab?: string;
  /** 0-based; end indexes exclusive; undefined end = to the end of the grid. */
  startRow: number;
  endRow?: number;
  startCol: number;
  endCol?: number;
}

export function colToIndex(letters: string): number {
  let n = 0;
  for (const ch of letters.toUpperCase()) n = n * 26 + (ch.charCodeAt(0) - 64);
  return n - 1;
}

export function indexToCol(index: number): string {
  let s = '';
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
  return s;
}

const CELL = /^([A-Za-z]*)(\d*)$/;

export function parseA1(input: string): A1Range | null {
  let tab: string | undefined;
  let ref = '';
  if (input.startsWith("'")) {
    const m = /^'((?:[^']|'')+)'(?:!(.*))?$/.exec(input);
    if (!m) return null;
    tab = m[1]!.replace(/''/g, "'");
    ref = m[2] ?? '';
  } else {
    const bang = input.lastIndexOf('!');
    if (bang >= 0) {
      tab = input.slice(0, bang);
      ref = input.slice(bang + 1);
    } else if (/^[A-Za-z]{1,3}\d*(:[A-Za-z]{1,3}\d*)?$|^\d+:\d+$/.test(input)) {
      ref = input;
    } else {
      tab = input;
    }
  }
  if (ref === '') return { tab, startRow: 0, startCol: 0 };
  const [a, b] = ref.split(':') as [string, string | undefined];
  const ma = CELL.exec(a);
  const mb = b === undefined ? ma : CELL.exec(b);
  if (!ma || !mb || (!ma[1] && !ma[2])) return null;
  const range: A1Range = {
    tab,
    startRow: ma[2] ? Number(ma[2]) - 1 : 0,
    startCol: ma[1] ? colToIndex(ma[1]) : 0,
  };
  // `A2:A` leaves the end row open; `2:5` leaves the columns open; `B3` is one cell.
  if (mb[2]) range.endRow = Number(mb[2]);
  else if (b === undefined && !ma[2]) range.endRow = undefined;
  if (mb[1]) range.endCol = colToIndex(mb[1]) + 1;
  return range;
}

export function quoteTab(title: string): string {
  return /^[A-Za-z0-9_]+$/.test(title) ? title : `'${title.replace(/'/g, "''")}'`;
}

export function formatA1(title: string, startRow: number, startCol: number, endRow: number, endCol: number): string {
  return `${quoteTab(title)}!${indexToCol(startCol)}${startRow + 1}:${indexToCol(endCol - 1)}${endRow}`;
}
