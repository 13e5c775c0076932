// The metric query process (plain JS so it runs unchanged from src under vitest/tsx and from dist).
//
// Why a child process and not a worker thread: better-sqlite3 has no interrupt and SQLite is built
// without a progress callback, so a runaway query never returns to JavaScript. Worker.terminate()
// then never completes and even blocks process exit; SIGKILL on a child always works.
// The parent owns every decision (what to run, budgets, shapes); this file only runs one query at
// a time on read-only connections and stops reading rows past the cap.
import Database from 'better-sqlite3';
import process from 'node:process';
import { Worker } from 'node:worker_threads';

// If Marquee dies without closing us (SIGKILL, OOM) while a runaway query holds this thread, no
// 'disconnect' handler can run. A watchdog thread still can: once we are orphaned, it kills us.
const watchdog = new Worker(
  `const { workerData } = require('node:worker_threads');
   setInterval(() => { if (process.ppid !== workerData.parent) process.kill(workerData.self, 'SIGKILL'); }, 500);`,
  { eval: true, workerData: { parent: process.ppid, self: process.pid } },
);
watchdog.unref();

/** Open connections by file path, each with its prepared statements by SQL text. */
const connections = new Map();

function connection(path, busyTimeoutMs) {
  let conn = connections.get(path);
  if (!conn) {
    const db = new Database(path, { readonly: true, fileMustExist: true, timeout: busyTimeoutMs });
    // Plain numbers for the parent (integers above 2^53 lose precision, as in JSON).
    db.defaultSafeIntegers(false);
    // Belt and braces on top of the read-only handle: temp tables are writable even on one.
    db.pragma('query_only = ON');
    // better-sqlite3 never enables the SQL load_extension(); shadow it so it cannot be, whatever the build.
    db.function('load_extension', { varargs: true }, () => {
      throw new Error('load_extension() is not allowed');
    });
    conn = { db, statements: new Map() };
    connections.set(path, conn);
  }
  return conn;
}

function drop(path) {
  const conn = connections.get(path);
  connections.delete(path);
  try {
    conn?.db.close();
  } catch {
    // Closing a broken handle can fail; it is gone either way.
  }
}

function run({ path, sql, params, maxRows, busyTimeoutMs }) {
  const conn = connection(path, busyTimeoutMs);
  let stmt = conn.statements.get(sql);
  if (!stmt) {
    stmt = conn.db.prepare(sql);
    // The parent validated this already; a read-only query is the one thing never taken on trust.
    if (!stmt.readonly || !stmt.reader) throw new Error('refused: not a read-only query');
    stmt.raw(true);
    conn.statements.set(sql, stmt);
  }
  const columns = stmt.columns().map((c) => c.name);
  const rows = [];
  let truncated = false;
  // Iterating (not .all()) is what makes the row cap stop SQLite instead of trimming a huge array.
  for (const row of stmt.iterate(params)) {
    if (rows.length === maxRows) {
      truncated = true;
      break;
    }
    rows.push(row);
  }
  return { columns, rows, truncated };
}

process.on('message', (req) => {
  try {
    process.send({ id: req.id, ok: true, ...run(req) });
  } catch (err) {
    // A file replaced or corrupted under us: reopen next time rather than keep a dead handle.
    if (/^SQLITE_(IOERR|CANTOPEN|NOTADB|CORRUPT)/.test(String(err?.code))) drop(req.path);
    process.send({ id: req.id, ok: false, error: String(err?.message ?? err) });
  }
});

// The parent went away (or closed us): nothing left to answer.
process.on('disconnect', () => process.exit(0));
process.send({ ready: true });
