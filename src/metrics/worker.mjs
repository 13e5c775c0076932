// The metric query process (plain JS so it runs unchanged from src under vitest/tsx and from dist).
//
// Why a child process and not a worker thread: better-sqlite3 has no interrupt and SQLite is built
// without a progress callback, so a runaway query never returns to JavaScript. Worker.terminate()
// then never completes and even blocks process exit; SIGKILL on a child always works.
// The parent owns every decision (what to run, budgets, shapes, size caps); this file only runs one
// query at a time on read-only connections and stops reading rows past the caps.
import Database from 'better-sqlite3';
import { Buffer } from 'node:buffer';
import process from 'node:process';
import { Worker } from 'node:worker_threads';

// The parent's memory cap for this whole process, in bytes (argv[2]).
const maxRssBytes = Number(process.argv[2]);

// A watchdog thread kills us in two cases, even while a query holds this thread:
// - Marquee died without closing us (SIGKILL, OOM): no 'disconnect' handler can run then;
// - a query holds more memory than the parent allows. SQLite builds a value in C before JavaScript
//   sees it, and this build of SQLite has no length or heap limit we can lower (no sqlite3_limit
//   binding, and hard_heap_limit is not enforced with SQLITE_DEFAULT_MEMSTATUS=0):
//   `printf('%.*c', 150000000, 'x')` peaked at 489 MB. A look at RSS every 20 ms stops it within a
//   few MB of the cap (measured peak 264 MB for a 256 MB cap).
// RSS is watched only while `busy` says a query runs: polling it idle cost 0.8% of a core.
const busy = new Int32Array(new SharedArrayBuffer(4));
const watchdog = new Worker(
  `const { workerData: w } = require('node:worker_threads');
   const orphaned = () => process.ppid !== w.parent;
   for (;;) {
     Atomics.wait(w.busy, 0, 0, 500); // idle: wake at a query's start, or every 500 ms for the parent
     if (orphaned()) process.kill(w.self, 'SIGKILL');
     while (Atomics.load(w.busy, 0) === 1) {
       if ((w.maxRssBytes > 0 && process.memoryUsage.rss() > w.maxRssBytes) || orphaned()) process.kill(w.self, 'SIGKILL');
       Atomics.wait(w.busy, 0, 1, 20);
     }
   }`,
  { eval: true, workerData: { parent: process.ppid, self: process.pid, maxRssBytes: maxRssBytes > 0 ? maxRssBytes : 0, busy } },
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

/** Bytes a value takes in the result: UTF-8 for text, as stored in marquee.db and the public .json. */
function sizeOf(v) {
  if (typeof v === 'string') return Buffer.byteLength(v, 'utf8');
  if (v instanceof Uint8Array) return v.byteLength;
  return v === null ? 0 : 8;
}

function run({ path, sql, params, maxRows, maxValueBytes, maxResultBytes, busyTimeoutMs }) {
  if (!(maxValueBytes > 0 && maxResultBytes > 0)) throw new Error('refused: no size caps were given');
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
  let bytes = 0;
  // Iterating (not .all()) is what makes the caps stop SQLite instead of trimming a huge array:
  // a value over its cap is dropped here, row by row, and never reaches the parent.
  for (const row of stmt.iterate(params)) {
    if (rows.length === maxRows) {
      truncated = true;
      break;
    }
    for (const [i, v] of row.entries()) {
      const size = sizeOf(v);
      if (size > maxValueBytes) {
        // A scalar's column name is its SQL expression: cut, as it lands in /health.
        const name = String(columns[i]).slice(0, 40);
        throw new Error(`column "${name}" returned a value of ${size} bytes; a metric value may be at most ${maxValueBytes} bytes`);
      }
      bytes += size;
    }
    if (bytes > maxResultBytes) {
      throw new Error(
        `returned more than ${maxResultBytes} bytes in ${rows.length + 1} rows; a metric's result may be at most ${maxResultBytes} bytes`,
      );
    }
    rows.push(row);
  }
  return { columns, rows, truncated };
}

/** Tells the watchdog whether a query is running (see above). */
function setBusy(value) {
  Atomics.store(busy, 0, value);
  Atomics.notify(busy, 0);
}

process.on('message', (req) => {
  setBusy(1);
  try {
    process.send({ id: req.id, ok: true, ...run(req) });
  } catch (err) {
    // A file replaced or corrupted under us: reopen next time rather than keep a dead handle.
    if (/^SQLITE_(IOERR|CANTOPEN|NOTADB|CORRUPT)/.test(String(err?.code))) drop(req.path);
    // Cut, so no error text can carry a large value to the parent either.
    process.send({ id: req.id, ok: false, error: String(err?.message ?? err).slice(0, 500) });
  } finally {
    setBusy(0);
  }
});

// The parent went away (or closed us): nothing left to answer.
process.on('disconnect', () => process.exit(0));
process.send({ ready: true });
