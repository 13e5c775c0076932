/**
 * Checks on the SQL text that SQLite's own flags cannot make. `stmt.readonly` is true for ATTACH,
 * DETACH, BEGIN, SAVEPOINT and some PRAGMA writes (they change the connection, not the file), so the
 * first keyword is checked too. Only leading comments are skipped: anything else is SQLite's job.
 */

/** The first keyword of `sql`, upper-cased, after whitespace and comments; '' when there is none. */
export function leadingKeyword(sql: string): string {
  let i = 0;
  for (;;) {
    while (i < sql.length && /\s/.test(sql[i]!)) i++;
    if (sql.startsWith('--', i)) {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? sql.length : end + 1;
    } else if (sql.startsWith('/*', i)) {
      const end = sql.indexOf('*/', i + 2);
      i = end === -1 ? sql.length : end + 2;
    } else break;
  }
  return /^[A-Za-z]+/.exec(sql.slice(i))?.[0].toUpperCase() ?? '';
}

/** Statements that read: SQLite's readonly flag decides whether a WITH ends in a write. */
const readKeywords = new Set(['SELECT', 'WITH', 'VALUES']);

/** Statements refused before SQLite even prepares them (preparing some PRAGMAs already acts). */
export function connectionProblem(sql: string): string | null {
  const kw = leadingKeyword(sql);
  if (kw === 'ATTACH' || kw === 'DETACH') return `${kw} is not allowed: a metric reads only its own source database`;
  if (kw === 'PRAGMA')
    return 'PRAGMA statements are not allowed (they can change the connection); use the pragma_* table functions in a SELECT';
  return null;
}

/** Why the statement's kind is refused, or null when it is a query. */
export function keywordProblem(sql: string): string | null {
  const early = connectionProblem(sql);
  if (early) return early;
  const kw = leadingKeyword(sql);
  if (kw === '' || readKeywords.has(kw)) return null;
  if (['INSERT', 'UPDATE', 'DELETE', 'REPLACE', 'UPSERT', 'CREATE', 'DROP', 'ALTER', 'VACUUM', 'REINDEX', 'ANALYZE'].includes(kw)) {
    return `writes are not allowed (${kw})`;
  }
  return `only SELECT queries are allowed, not ${kw}`;
}

/** SQL functions a metric may never call, even where SQLite would refuse them at run time anyway. */
export const forbiddenFunctions = new Set([
  'load_extension',
  'fts3_tokenizer',
  'sqlite_attach',
  'sqlite_detach',
  'readfile',
  'writefile',
  'edit',
]);
