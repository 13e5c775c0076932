/** What every source returns: data or a typed error, never a throw at the caller. */
export type SourceResult<T> = { ok: true; data: T; durationMs: number } | { ok: false; error: SourceError; durationMs: number };

export interface SourceError {
  /** Stable machine-readable cause: missing, locked, corrupt, schema, timeout, unavailable, unconfigured. */
  code: 'missing' | 'locked' | 'corrupt' | 'schema' | 'timeout' | 'unavailable' | 'unconfigured';
  message: string;
}

/** Maps an exception (usually a SqliteError) to the typed error a snapshot section carries. */
export function toSourceError(err: unknown): SourceError {
  const e = err as { code?: string; message?: string };
  const code = String(e.code ?? '');
  const message = String(e.message ?? err);
  if (code === 'ENOENT' || /unable to open database file|does not exist/i.test(message)) return { code: 'missing', message };
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return { code: 'locked', message };
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') return { code: 'corrupt', message };
  if (/no such (column|table)/i.test(message)) return { code: 'schema', message };
  if (code === 'ETIMEDOUT') return { code: 'timeout', message };
  return { code: 'unavailable', message };
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
