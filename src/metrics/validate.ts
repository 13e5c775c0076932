import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { loadMigrations } from '../stores/sqlite/migrate.js';
import {
  type ColumnType,
  declaredColumns,
  type MetricDef,
  type MetricDbPaths,
  type MetricDefs,
  type MetricSource,
  sourceConfigKey,
} from './config.js';
import { explainProgram } from './explain.js';
import { builtinParamNames, builtinParams } from './params.js';
import { identifyingColumns, neverReadReason, sectionFreeTables } from './sensitive.js';
import { connectionProblem, forbiddenFunctions, keywordProblem } from './statement.js';

/**
 * Start-up (and `marquee check-config`) validation of metric definitions. Every statement is
 * prepared on a read-only connection and never run: preparing is where SQLite reports syntax
 * errors, unknown tables and columns, and whether the statement writes.
 */
export interface MetricProblem {
  metric: string;
  message: string;
}

export const formatProblem = (p: MetricProblem): string => `metric "${p.metric}": ${p.message}`;

/** The part of the privacy policy a query can break: privacy.privateSections. */
export interface MetricPolicy {
  privateSections: ReadonlyArray<string | number>;
}

/** Pass as the `marquee` path to check against the store's migrations without opening marquee.db. */
export const STORE_SCHEMA = ':schema:';

export function validateMetrics(defs: MetricDefs, dbPaths: MetricDbPaths, policy: MetricPolicy = { privateSections: [] }): MetricProblem[] {
  const dbs = new Map<MetricSource, Database.Database | Error>();
  const dbFor = (source: MetricSource): Database.Database | Error => {
    let db = dbs.get(source);
    if (!db) dbs.set(source, (db = openForValidation(source, dbPaths[source])));
    return db;
  };
  try {
    return Object.entries(defs).flatMap(([metric, def]) => {
      const db = dbFor(def.source);
      const messages = db instanceof Error ? [db.message] : checkMetric(db, def, policy);
      return messages.map((message) => ({ metric, message }));
    });
  } finally {
    for (const db of dbs.values()) if (!(db instanceof Error)) db.close();
  }
}

function openForValidation(source: MetricSource, path: string | undefined): Database.Database | Error {
  if (!path) return new Error(`no ${source} database is configured (set ${sourceConfigKey[source]})`);
  // Before the first collection cycle Marquee's own store does not exist yet: check against its
  // schema. So does check-config (STORE_SCHEMA): it must not open the store, even read-only.
  if (source === 'marquee' && (path === STORE_SCHEMA || !existsSync(path))) {
    const db = new Database(':memory:');
    for (const m of loadMigrations()) db.exec(m.sql);
    return db;
  }
  try {
    const db = new Database(path, { readonly: true, fileMustExist: true, timeout: 5000 });
    db.prepare('SELECT 1 FROM sqlite_schema LIMIT 1').get();
    return db;
  } catch (err) {
    return new Error(`cannot open the ${source} database at ${path}: ${(err as Error).message}`);
  }
}

/** Problems with one definition; a problem that makes later checks meaningless ends the list. */
export function checkMetric(db: Database.Database, def: MetricDef, policy: MetricPolicy = { privateSections: [] }): string[] {
  const early = connectionProblem(def.sql);
  if (early) return [early];
  const kind = keywordProblem(def.sql);
  let stmt: Database.Statement;
  try {
    stmt = db.prepare(def.sql);
  } catch (err) {
    // A write can fail to prepare for its own reasons (Plex's ICU triggers); "a write" is the news.
    return [kind?.startsWith('writes') ? kind : prepareMessage(err as Error, def.source)];
  }
  if (kind) return [kind];
  if (!stmt.readonly) return ['writes are not allowed (SQLite reports the statement as writing)'];
  if (!stmt.reader) return ['only SELECT queries are allowed: the statement returns no rows'];
  const problems: string[] = [];
  const params = bindableParams(db, def.sql);
  if (params.unknown.length)
    problems.push(`unknown parameter(s) ${params.unknown.map((n) => `:${n}`).join(', ')}; the built-ins are ${allowedList}`);
  if (params.positional) problems.push(`positional parameters (?) are not supported; use the named built-ins ${allowedList}`);
  else {
    const facts = explainProgram(db, def.sql, params.values);
    for (const fn of facts.functions) if (forbiddenFunctions.has(fn)) problems.push(`${fn}() is not allowed`);
    for (const col of facts.columns) {
      const what = neverReadReason(col);
      if (what) problems.push(`reads ${col}, ${what}, which Marquee never collects; metrics may not read it`);
    }
    const section = privateSectionProblem(def, facts.tables, policy);
    if (section) problems.push(section);
  }
  return [...problems, ...columnProblems(def, stmt.columns())];
}

/**
 * Private sections hold for metrics too. Their SQL is the owner's and runs as written: Marquee
 * cannot rewrite it to drop a section's rows (joins, subqueries, aggregates), and a read-only,
 * query-only connection cannot carry filtered views. So a metric that reads section rows while
 * sections are private is refused, naming the tables, until its owner says so in its definition.
 */
function privateSectionProblem(def: MetricDef, tables: ReadonlySet<string>, policy: MetricPolicy): string | null {
  if (def.source === 'marquee' || def.readsPrivateSections || policy.privateSections.length === 0) return null;
  const free = sectionFreeTables[def.source];
  const read = [...tables].filter((t) => !free.has(t)).sort();
  if (read.length === 0) return null;
  return (
    `reads ${read.join(', ')}, whose rows include the private sections (privacy.privateSections); Marquee cannot ` +
    `filter a metric by section, so its value would publish their rows. Leave them out in the SQL and set ` +
    `readsPrivateSections: true, or remove the metric`
  );
}

function prepareMessage(err: Error, source: MetricSource): string {
  const msg = err.message;
  if (/more than one statement/.test(msg)) return 'only one statement is allowed (remove the text after the first `;`)';
  if (/contains no statements/.test(msg)) return 'the SQL has no statement (only comments or `;`)';
  const m = /^no such (table|column|function): (.+)$/.exec(msg);
  if (m) return `unknown ${m[1]} ${m[2]}${m[1] === 'function' ? '()' : ''} in the ${source} database`;
  if (/syntax error|incomplete input|unrecognized token/.test(msg)) return `syntax error: ${msg}`;
  return `SQLite rejected the query: ${msg}`;
}

const allowedList = builtinParamNames.map((n) => `:${n}`).join(', ');

/**
 * Binding (without running) is how better-sqlite3 reveals parameter names: it names the first
 * missing one. Unknown names are collected (bound to null) so EXPLAIN can still run.
 */
function bindableParams(db: Database.Database, sql: string): { values: Record<string, unknown>; unknown: string[]; positional: boolean } {
  const values: Record<string, unknown> = { ...builtinParams(Date.now(), 0) };
  const unknown: string[] = [];
  for (;;) {
    try {
      db.prepare(sql).bind(values);
      return { values, unknown, positional: false };
    } catch (err) {
      const m = /Missing named parameter "(.+)"/.exec((err as Error).message);
      if (!m || /^\d+$/.test(m[1]!) || unknown.length > 50) return { values, unknown, positional: true };
      unknown.push(m[1]!);
      values[m[1]!] = null;
    }
  }
}

function columnProblems(def: MetricDef, cols: Database.ColumnDefinition[]): string[] {
  const names = cols.map((c) => c.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) return [`the query returns column "${dup}" twice; give each column its own alias`];
  const declared = declaredColumns(def);
  const out: string[] = [];
  let pairs: [string, ColumnType, Database.ColumnDefinition][];
  if (def.returns === 'scalar') {
    if (cols.length !== 1) return [`a scalar metric returns exactly one column; the query returns ${cols.length} (${names.join(', ')})`];
    pairs = [[names[0]!, declared.value!.type, cols[0]!]];
  } else {
    const missing = Object.keys(declared).filter((n) => !names.includes(n));
    const extra = names.filter((n) => !(n in declared));
    if (missing.length) out.push(`declares column(s) ${missing.join(', ')} but the query does not return them`);
    if (extra.length) out.push(`the query returns undeclared column(s) ${extra.join(', ')}; declare them under columns or drop them`);
    pairs = cols.flatMap((c): [string, ColumnType, Database.ColumnDefinition][] =>
      declared[c.name] ? [[c.name, declared[c.name]!.type, c]] : [],
    );
  }
  for (const [name, want, col] of pairs) {
    const origin = col.table && col.column ? `${col.table}.${col.column}`.toLowerCase() : null;
    const got = col.type ? affinity(col.type) : null;
    if (got && !compatible(want, got)) {
      out.push(
        `column "${name}" is declared ${want} but comes from ${origin} (${col.type}); declare it ${got === 'integer' ? 'integer or real' : got} or CAST it`,
      );
    }
    if (def.identifying === false && origin && identifyingColumns.has(origin)) {
      out.push(`column "${name}" comes from ${origin}, which names a person or a title; set identifying: true`);
    }
  }
  return out;
}

type Affinity = 'integer' | 'real' | 'text' | 'numeric' | 'blob';

/** SQLite's column affinity rules (https://sqlite.org/datatype3.html §3.1), in their order. */
function affinity(declType: string): Affinity {
  const t = declType.toUpperCase();
  if (t.includes('INT')) return 'integer';
  if (/CHAR|CLOB|TEXT/.test(t)) return 'text';
  if (t.includes('BLOB') || t === '') return 'blob';
  if (/REAL|FLOA|DOUB/.test(t)) return 'real';
  return 'numeric';
}

/** Numeric and blob affinity columns can hold anything, so only clear contradictions are refused. */
function compatible(want: ColumnType, got: Affinity): boolean {
  if (got === 'numeric' || got === 'blob') return true;
  if (want === 'text') return got === 'text';
  if (want === 'integer') return got === 'integer';
  return got === 'integer' || got === 'real';
}
