import type { SourceError, SourceErrorCode, SourceResult } from '../snapshot/source-results.js';

// The contract's types live with the snapshot (snapshot/source-results.ts); sources import them here.
export type { SourceError, SourceErrorCode, SourceResult };

/**
 * One fixed sentence per code. Public outputs never carry an exception's own text: SQLite and
 * node:fs quote absolute paths (the volume layout, a temp copy's name) and internal SQL.
 */
export const SOURCE_ERROR_MESSAGES: Readonly<Record<SourceErrorCode, string>> = {
  missing: 'the database file was not found',
  locked: 'the database is locked by another program (a backup or maintenance); will retry next cycle',
  corrupt: 'the database file is damaged or not a SQLite database',
  schema: 'the database does not have the expected tables or columns (an unsupported version?)',
  timeout: 'the read took longer than the source time limit',
  stale: 'the program that writes this database has stopped updating it (is it running?)',
  auth: 'the server rejected the configured key or token',
  unavailable: 'the source could not be read; the server log has the cause',
  unconfigured: 'the source is not configured',
};

/** A typed error with the public text for its code; `detail` is the raw cause for the log. */
export function sourceError(code: SourceErrorCode, detail?: string): SourceError {
  return { code, message: SOURCE_ERROR_MESSAGES[code], ...(detail === undefined ? {} : { detail }) };
}

/** Maps an exception (usually a SqliteError) to the typed error a snapshot section carries. */
export function toSourceError(err: unknown): SourceError {
  const e = err as { code?: string; message?: string };
  const code = String(e.code ?? '');
  const detail = `${code ? `${code}: ` : ''}${String(e.message ?? err)}`;
  if (code === 'ENOENT' || /unable to open database file|does not exist/i.test(detail)) return sourceError('missing', detail);
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return sourceError('locked', detail);
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') return sourceError('corrupt', detail);
  if (/no such (column|table)/i.test(detail)) return sourceError('schema', detail);
  if (code === 'ETIMEDOUT') return sourceError('timeout', detail);
  if (code === 'ESTALE') return sourceError('stale', detail);
  // HTTP sources: a 401/403 (Plex's token, node_exporter's basic auth).
  if (code === 'EAUTH' || code === 'EPLEX_AUTH') return sourceError('auth', detail);
  return sourceError('unavailable', detail);
}

/** The error as it may leave src/sources: code and fixed text, no detail. */
export function publicError(error: SourceError): SourceError {
  return sourceError(error.code in SOURCE_ERROR_MESSAGES ? error.code : 'unavailable');
}

/** Runs a source's synchronous or async read, timing it and turning any throw into a SourceError. */
export async function runSource<T>(read: () => T | Promise<T>): Promise<SourceResult<T>> {
  const started = performance.now();
  try {
    const data = await read();
    return { ok: true, data, durationMs: performance.now() - started };
  } catch (err) {
    return { ok: false, error: toSourceError(err), durationMs: performance.now() - started };
  }
}
