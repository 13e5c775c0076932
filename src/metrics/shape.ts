import type { Snapshot } from '../snapshot/schema.js';
import { type ColumnType, declaredColumns, type MetricDef } from './config.js';
import type { RawResult } from './sandbox.js';

/**
 * Turns raw query rows into the declared shape, checking every value against its declared type.
 * Start-up validation checks what SQLite knows before running (column names, stored types of plain
 * columns); expressions only have a type once they run, so the check is repeated on every value.
 */
export type MetricResult = Snapshot['metrics'][string];
export type Cell = number | string | null;

export const errored = (error: string): MetricResult => ({ status: 'error', error, value: null });

export function shapeResult(def: MetricDef, raw: RawResult): MetricResult {
  if (raw.truncated) {
    return errored(
      def.returns === 'table'
        ? `returned more than ${def.maxRows} rows (its maxRows); aggregate or add a LIMIT`
        : `returned more than one row; a ${def.returns} metric returns at most one (aggregate or add LIMIT 1)`,
    );
  }
  const declared = declaredColumns(def);
  if (def.returns === 'scalar') {
    if (raw.columns.length !== 1) return errored(`returned ${raw.columns.length} columns; a scalar metric returns one`);
    const v = raw.rows[0]?.[0] ?? null;
    const problem = typeProblem('value', declared.value!.type, v);
    return problem ? errored(problem) : { status: 'ok', value: v };
  }
  const names = Object.keys(declared);
  const mismatch = names.length !== raw.columns.length || raw.columns.some((c) => !(c in declared));
  if (mismatch) return errored(`returned columns ${raw.columns.join(', ')} but declares ${names.join(', ')}`);
  const objects: Record<string, Cell>[] = [];
  for (const row of raw.rows) {
    const obj: Record<string, Cell> = {};
    for (const [i, name] of raw.columns.entries()) {
      const v = row[i] ?? null;
      const problem = typeProblem(name, declared[name]!.type, v);
      if (problem) return errored(problem);
      obj[name] = v as Cell;
    }
    objects.push(obj);
  }
  return { status: 'ok', value: def.returns === 'row' ? (objects[0] ?? null) : objects };
}

/** NULL is allowed for every type (no plays yet, an empty month); anything else must match. */
function typeProblem(column: string, want: ColumnType, v: unknown): string | null {
  if (v === null) return null;
  const ok =
    want === 'text' ? typeof v === 'string' : want === 'integer' ? Number.isInteger(v) : typeof v === 'number' && Number.isFinite(v);
  if (ok) return null;
  return `column "${column}" is declared ${want} but the query returned ${describe(v)}`;
}

/** The kind of value only: an error lands in /health and logs, so it never quotes the data itself. */
function describe(v: unknown): string {
  if (typeof v === 'string') return 'text';
  if (typeof v === 'number') return Number.isInteger(v) ? 'an integer' : 'a real number';
  if (v instanceof Uint8Array) return 'a blob';
  return typeof v;
}
