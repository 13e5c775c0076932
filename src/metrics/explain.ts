import type Database from 'better-sqlite3';

/**
 * What a prepared statement would do, read from SQLite's own bytecode (`EXPLAIN`), which compiles
 * the statement without running it. Parsing SQL text ourselves would be fooled by quoting, aliases,
 * views and `SELECT *`; the bytecode is what SQLite actually executes.
 */
export interface ProgramFacts {
  /** Lower-case names of the SQL functions the statement calls. */
  functions: Set<string>;
  /** `table.column` for every stored column the statement reads (any clause, not only the output). */
  columns: Set<string>;
  /** Lower-case names of the tables it opens, directly or through one of their indexes (COUNT(*) reads no column). */
  tables: Set<string>;
}

interface Op {
  opcode: string;
  p1: number;
  p2: number;
  p3: number;
  p4: unknown;
}

const functionOps = new Set(['Function', 'PureFunc', 'AggStep', 'AggStep1', 'AggFinal', 'AggValue', 'AggInverse']);
const openOps = new Set(['OpenRead', 'ReopenIdx']);

/**
 * `sql` must already have prepared as one read-only statement on `db`; `params` must name every
 * parameter it uses (EXPLAIN only needs them bound, the values do not matter).
 */
export function explainProgram(db: Database.Database, sql: string, params: Record<string, unknown>): ProgramFacts {
  const ops = db.prepare(`EXPLAIN ${sql}`).all(params) as Op[];
  const functions = new Set<string>();
  const cursors = new Map<number, string[]>();
  const columns = new Set<string>();
  const tables = new Set<string>();
  const objects = schemaObjects(db);
  for (const op of ops) {
    if (functionOps.has(op.opcode) && typeof op.p4 === 'string') functions.add(op.p4.replace(/\(-?\d+\)$/, '').toLowerCase());
    // p3 is the schema number: 0 is the database itself (1 would be temp, which a metric cannot fill).
    if (openOps.has(op.opcode) && op.p3 === 0) {
      const obj = objects.columnsOf(op.p2);
      if (obj) {
        cursors.set(op.p1, obj.columns);
        tables.add(obj.table);
      }
      // An index seek compares key columns without a Column opcode: opening the index reads them all.
      if (obj?.isIndex) for (const c of obj.columns) columns.add(c);
    }
    if (op.opcode === 'Column') {
      const name = cursors.get(op.p1)?.[op.p2];
      if (name) columns.add(name);
    }
  }
  return { functions, columns, tables };
}

/** Root page -> qualified column names in cursor order (a table's columns, or an index's key columns). */
function schemaObjects(db: Database.Database): {
  columnsOf(rootpage: number): { table: string; columns: string[]; isIndex: boolean } | null;
} {
  const rows = db
    .prepare("SELECT type, name, tbl_name AS tbl, rootpage FROM sqlite_schema WHERE type IN ('table', 'index') AND rootpage > 0")
    .all() as { type: string; name: string; tbl: string; rootpage: number }[];
  const byRoot = new Map(rows.map((r) => [r.rootpage, r]));
  const tableInfo = db.prepare('SELECT name FROM pragma_table_info(?) ORDER BY cid').pluck();
  const indexInfo = db.prepare('SELECT name FROM pragma_index_info(?) ORDER BY seqno').pluck();
  return {
    columnsOf(rootpage) {
      const obj = byRoot.get(rootpage);
      if (!obj) return null;
      const names = (obj.type === 'table' ? tableInfo.all(obj.name) : indexInfo.all(obj.name)) as (string | null)[];
      return {
        table: obj.tbl.toLowerCase(),
        columns: names.map((n) => `${obj.tbl}.${n ?? 'rowid'}`.toLowerCase()),
        isIndex: obj.type === 'index',
      };
    },
  };
}
