import type { sheets_v4 } from '@googleapis/sheets';
import { SNAPSHOT_VERSION, type HistoryPoint } from '../../snapshot/schema.js';

/**
 * The Sheet layout. `current` holds one row per snapshot field (path | type | value), overwritten
 * every cycle; `history` holds one row per cycle, appended. Both start with a header row so people
 * can read the sheet and so the reader can find columns by name rather than position.
 *
 * Values go out as typed CellData (numberValue/stringValue/boolValue), never through USER_ENTERED
 * parsing: a title starting with "=" stays text, and no locale reinterprets a number or date.
 */

export const CURRENT_HEADER = ['path', 'type', 'value'] as const;

/**
 * `cycleAt` (the snapshot's takenAt) is the idempotency key and sits in column A so the writer can
 * read one narrow column to learn what has landed; `version` travels with every row so a row written
 * under an older schema is never misread.
 */
export const HISTORY_HEADER = [
  'cycleAt',
  'at',
  'streams',
  'transcodes',
  'bandwidthKbps',
  'cpuPct',
  'memPct',
  'temperatureC',
  'version',
] as const;

/** Google's per-spreadsheet limit counts every grid cell of every tab, empty or not. */
export const SHEETS_CELL_LIMIT = 10_000_000;
/** Google rejects longer cell text; truncating beats losing the whole cycle to a 400. */
export const MAX_CELL_CHARS = 50_000;

/**
 * Rows of history that fit under the cell limit with room left for `current` and for tabs people
 * add by hand (10% headroom), since hitting the limit turns every write into a 400.
 */
export function defaultHistoryMaxRows(columns = HISTORY_HEADER.length): number {
  return Math.floor((SHEETS_CELL_LIMIT * 0.9) / columns) - 1;
}

export type Scalar = number | string | boolean | null;
export type CellType = 'number' | 'string' | 'boolean' | 'null' | 'object' | 'array';
export interface FieldRow {
  path: string;
  type: CellType;
  value: Scalar;
}

/** A1 notation with the tab name always quoted, so names with spaces or quotes stay valid. */
export function a1(tab: string, range?: string): string {
  const quoted = `'${tab.replace(/'/g, "''")}'`;
  return range ? `${quoted}!${range}` : quoted;
}

export function cell(value: Scalar | undefined): sheets_v4.Schema$CellData {
  if (value === null || value === undefined) return {};
  if (typeof value === 'number') return { userEnteredValue: { numberValue: value } };
  if (typeof value === 'boolean') return { userEnteredValue: { boolValue: value } };
  return { userEnteredValue: { stringValue: value.slice(0, MAX_CELL_CHARS) } };
}

export function row(values: readonly (Scalar | undefined)[]): sheets_v4.Schema$RowData {
  return { values: values.map(cell) };
}

// ---- snapshot <-> (path, type, value) rows -------------------------------------------------

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

function joinPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  if (IDENT.test(key)) return parent ? `${parent}.${key}` : key;
  // Record keys (metric names, "24h") are arbitrary; JSON quoting keeps the path unambiguous.
  return `${parent}[${JSON.stringify(key)}]`;
}

function splitPath(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  const re = /(?:^|\.)([A-Za-z_$][A-Za-z0-9_$]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/gy;
  let m: RegExpExecArray | null;
  while (re.lastIndex < path.length && (m = re.exec(path))) {
    if (m[1] !== undefined) out.push(m[1]);
    else if (m[2] !== undefined) out.push(Number(m[2]));
    else out.push(JSON.parse(m[3]!) as string);
  }
  if (re.lastIndex !== path.length) throw new Error(`unparseable field path: ${path.slice(0, 80)}`);
  return out;
}

/** `version` and `takenAt` come first so the sheet tells its schema and age at a glance. */
export function flattenSnapshot(snapshot: object): FieldRow[] {
  // A JSON round trip drops undefined and non-JSON values exactly as every other store would.
  const plain = JSON.parse(JSON.stringify(snapshot)) as Record<string, unknown>;
  const rows: FieldRow[] = [];
  const walk = (value: unknown, path: string): void => {
    if (Array.isArray(value)) {
      if (value.length === 0) rows.push({ path, type: 'array', value: null });
      value.forEach((v, i) => walk(v, joinPath(path, i)));
    } else if (value !== null && typeof value === 'object') {
      const entries = Object.entries(value);
      if (entries.length === 0) rows.push({ path, type: 'object', value: null });
      for (const [k, v] of entries) walk(v, joinPath(path, k));
    } else if (value === null) {
      rows.push({ path, type: 'null', value: null });
    } else {
      rows.push({ path, type: typeof value as 'number' | 'string' | 'boolean', value: value as Scalar });
    }
  };
  const { version, takenAt, ...rest } = plain;
  walk(version, 'version');
  walk(takenAt, 'takenAt');
  walk(rest, '');
  return rows.filter((r) => r.path !== '');
}

function coerce(type: CellType, raw: unknown): unknown {
  switch (type) {
    case 'null':
      return null;
    case 'object':
      return {};
    case 'array':
      return [];
    case 'number':
      return typeof raw === 'number' ? raw : Number(raw);
    case 'boolean':
      return typeof raw === 'boolean' ? raw : String(raw).toUpperCase() === 'TRUE';
    case 'string':
      // Sheets omits trailing empty cells, so an empty string comes back as a missing value.
      return raw === undefined || raw === null ? '' : String(raw);
  }
}

const CELL_TYPES = new Set<string>(['number', 'string', 'boolean', 'null', 'object', 'array']);

/** Inverse of flattenSnapshot; the caller validates the result against the snapshot schema. */
export function unflattenRows(rows: readonly (readonly unknown[])[]): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [path, type, raw] of rows) {
    if (typeof path !== 'string' || path === '' || typeof type !== 'string' || !CELL_TYPES.has(type)) continue;
    const keys = splitPath(path);
    // The sheet is editable by people; a crafted path must not reach Object.prototype.
    if (keys.some((k) => k === '__proto__' || k === 'constructor' || k === 'prototype')) continue;
    let node: Record<string | number, unknown> = root;
    keys.forEach((key, i) => {
      if (i === keys.length - 1) {
        node[key] = coerce(type as CellType, raw);
        return;
      }
      const next = keys[i + 1];
      node[key] ??= typeof next === 'number' ? [] : {};
      node = node[key] as Record<string | number, unknown>;
    });
  }
  return root;
}

// ---- history rows --------------------------------------------------------------------------

export function historyRow(cycleAt: number, p: HistoryPoint): Scalar[] {
  return [cycleAt, p.at, p.streams, p.transcodes, p.bandwidthKbps, p.cpuPct, p.memPct, p.temperatureC, SNAPSHOT_VERSION];
}

export interface HistoryRecord {
  cycleAt: number;
  point: HistoryPoint;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/**
 * Parses the history tab by header name. Rows from another schema version or without a cycle
 * stamp are skipped; duplicates of a cycle (a hand-copied row, a write replayed by an older
 * version) keep the first occurrence.
 */
export function parseHistory(values: readonly (readonly unknown[])[]): HistoryRecord[] {
  const [header, ...rows] = values;
  if (!header) return [];
  const col = new Map(header.map((h, i) => [String(h), i]));
  const get = (r: readonly unknown[], name: (typeof HISTORY_HEADER)[number]): unknown => {
    const i = col.get(name);
    return i === undefined ? undefined : r[i];
  };
  const seen = new Set<number>();
  const out: HistoryRecord[] = [];
  for (const r of rows) {
    const cycleAt = num(get(r, 'cycleAt'));
    const at = num(get(r, 'at'));
    if (cycleAt === null || at === null || seen.has(cycleAt)) continue;
    if (num(get(r, 'version')) !== SNAPSHOT_VERSION) continue;
    seen.add(cycleAt);
    out.push({
      cycleAt,
      point: {
        at,
        streams: num(get(r, 'streams')) ?? 0,
        transcodes: num(get(r, 'transcodes')) ?? 0,
        bandwidthKbps: num(get(r, 'bandwidthKbps')) ?? 0,
        cpuPct: num(get(r, 'cpuPct')),
        memPct: num(get(r, 'memPct')),
        temperatureC: num(get(r, 'temperatureC')),
      },
    });
  }
  return out.sort((a, b) => a.point.at - b.point.at || a.cycleAt - b.cycleAt);
}
