import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatProblem, validateMetrics } from '../../src/metrics/validate.js';
import { fixtureDbs } from '../support/fixtures.js';
import { parseDefs } from './support.js';

const dbs = fixtureDbs('tiny');
const paths = { plex: dbs.plexDb, tautulli: dbs.tautulliDb, marquee: '/nonexistent/marquee.db' };

/** The problems for one tautulli metric (a scalar integer unless `extra` says otherwise). */
function problems(sql: string, extra: Record<string, unknown> = {}): string[] {
  const defs = parseDefs({ m: { source: 'tautulli', returns: 'scalar', type: 'integer', sql, ...extra } });
  return validateMetrics(defs, paths).map((p) => p.message);
}

describe('validateMetrics refuses bad definitions at start-up', () => {
  it.each([
    ['a write', "INSERT INTO users (username) VALUES ('x')", /writes are not allowed/],
    ['a delete hidden behind WITH', 'WITH x AS (SELECT 1) DELETE FROM users', /writes are not allowed/],
    ['a temp table (writable even on a read-only handle)', 'CREATE TEMP TABLE t (x)', /writes are not allowed/],
    ['a second statement', 'SELECT 1; DROP TABLE users', /only one statement is allowed/],
    ['a second read', 'SELECT 1; SELECT 2', /only one statement is allowed/],
    ['ATTACH', "ATTACH DATABASE '/tmp/other.db' AS other", /ATTACH is not allowed/],
    ['ATTACH after a comment', "/* hi */ -- there\n attach '/tmp/x.db' as x", /ATTACH is not allowed/],
    ['DETACH', 'DETACH main', /DETACH is not allowed/],
    ['a PRAGMA write', 'PRAGMA user_version = 5', /PRAGMA statements are not allowed/],
    ['a PRAGMA that SQLite calls read-only', 'PRAGMA writable_schema = 1', /PRAGMA statements are not allowed/],
    ['a journal-mode switch', 'PRAGMA journal_mode = DELETE', /PRAGMA statements are not allowed/],
    ['load_extension', "SELECT load_extension('/tmp/evil.so')", /load_extension\(\) is not allowed/],
    [
      'load_extension in a subquery',
      "SELECT COUNT(*) FROM users WHERE username = (SELECT load_extension('x', 'y'))",
      /load_extension\(\) is not allowed/,
    ],
    ['BEGIN', 'BEGIN', /only SELECT queries are allowed, not BEGIN/],
    ['VACUUM', 'VACUUM', /writes are not allowed \(VACUUM\)/],
    ['a syntax error', 'SELEC COUNT(*) FROM users', /syntax error: near "SELEC"/],
    ['an unfinished statement', 'SELECT COUNT(* FROM users', /syntax error/],
    ['an unknown table', 'SELECT COUNT(*) FROM session_histories', /unknown table session_histories in the tautulli database/],
    ['an unknown column', 'SELECT MAX(watched_at) FROM session_history', /unknown column watched_at in the tautulli database/],
    ['an unknown function', 'SELECT readfile(1)', /unknown function readfile\(\)/],
    [
      'an unknown parameter',
      'SELECT COUNT(*) FROM session_history WHERE stopped >= :since_1y',
      /unknown parameter\(s\) :since_1y; the built-ins are :now/,
    ],
    ['a positional parameter', 'SELECT COUNT(*) FROM session_history WHERE stopped >= ?', /positional parameters/],
    ['an empty statement', '-- nothing here', /no statement/],
    ['a token, even only counted', "SELECT COUNT(*) FROM users WHERE user_token LIKE 'a%'", /reads users.user_token, a secret/],
    ['an IP address', 'SELECT COUNT(DISTINCT ip_address) FROM session_history', /reads session_history.ip_address, an IP address/],
  ])('%s', (_, sql, expected) => {
    const found = problems(sql);
    expect(found.join('\n')).toMatch(expected);
  });

  it('checks the declared shape against the columns SQLite reports', () => {
    expect(problems('SELECT COUNT(*), MAX(started) FROM session_history')).toEqual([
      'a scalar metric returns exactly one column; the query returns 2 (COUNT(*), MAX(started))',
    ]);
    const row = { returns: 'row', type: undefined, columns: { plays: 'integer', last: 'integer' } };
    expect(problems('SELECT COUNT(*) AS plays, MAX(started) AS latest FROM session_history', row)).toEqual([
      'declares column(s) last but the query does not return them',
      'the query returns undeclared column(s) latest; declare them under columns or drop them',
    ]);
    expect(problems('SELECT 1 AS a, 2 AS a', { returns: 'row', type: undefined, columns: { a: 'integer' } })[0]).toMatch(
      /returns column "a" twice/,
    );
  });

  it('catches a declared type that contradicts the stored column type', () => {
    expect(problems('SELECT user FROM session_history LIMIT 1')).toEqual([
      'column "user" is declared integer but comes from session_history.user (TEXT); declare it text or CAST it',
    ]);
    expect(problems('SELECT started FROM session_history LIMIT 1', { type: 'text' })[0]).toMatch(
      /declared text but comes from session_history.started \(INTEGER\)/,
    );
    // Expressions have no stored type: they are checked on every run instead.
    expect(problems('SELECT MAX(started) FROM session_history')).toEqual([]);
  });

  it('refuses identifying: false on a column that names a person', () => {
    const def = { returns: 'row', type: undefined, columns: { who: 'text' }, identifying: false };
    expect(problems('SELECT username AS who FROM users LIMIT 1', def)).toEqual([
      'column "who" comes from users.username, which names a person or a title; set identifying: true',
    ]);
  });

  it('names the metric in every formatted problem and checks each metric on its own', () => {
    const defs = parseDefs({
      good: { source: 'plex', returns: 'scalar', type: 'integer', sql: 'SELECT COUNT(*) FROM metadata_items' },
      bad_write: { source: 'plex', returns: 'scalar', type: 'integer', sql: 'DELETE FROM metadata_items' },
      bad_table: { source: 'tautulli', returns: 'scalar', type: 'integer', sql: 'SELECT COUNT(*) FROM nope' },
    });
    expect(validateMetrics(defs, paths).map(formatProblem)).toEqual([
      'metric "bad_write": writes are not allowed (DELETE)',
      'metric "bad_table": unknown table nope in the tautulli database',
    ]);
  });

  it('checks marquee metrics against the store schema before the store exists', () => {
    expect(existsSync(paths.marquee)).toBe(false);
    const defs = parseDefs({
      ok: {
        source: 'marquee',
        returns: 'scalar',
        type: 'real',
        sql: 'SELECT MAX(temperature_c) FROM history_points WHERE at >= :since_24h * 1000',
      },
      typo: { source: 'marquee', returns: 'scalar', type: 'real', sql: 'SELECT MAX(temp_c) FROM history_points' },
    });
    expect(validateMetrics(defs, paths).map(formatProblem)).toEqual(['metric "typo": unknown column temp_c in the marquee database']);
  });

  it('says which database is missing or unreadable', () => {
    const defs = parseDefs({ m: { source: 'plex', returns: 'scalar', type: 'integer', sql: 'SELECT 1' } });
    expect(validateMetrics(defs, { tautulli: dbs.tautulliDb }).map(formatProblem)).toEqual([
      'metric "m": no plex database is configured (set plex.db)',
    ]);
    expect(validateMetrics(defs, { plex: '/nope/plex.db' })[0]!.message).toMatch(/^cannot open the plex database at \/nope\/plex.db/);
  });
});

describe('columns a metric may never read (issue 16: the blocklist had gaps)', () => {
  const refusal = (source: 'plex' | 'tautulli', sql: string, type = 'integer') =>
    validateMetrics(parseDefs({ m: { source, returns: 'scalar', type, sql } }), paths)
      .map((p) => p.message)
      .join('\n');
  // Each column is named as `table.column` with the reason; even counting or filtering on it is refused.
  it.each([
    ['tautulli', 'SELECT COUNT(DISTINCT player) FROM session_history', 'session_history.player', 'a player or device name'],
    [
      'tautulli',
      "SELECT COUNT(*) FROM session_history WHERE product LIKE 'Plex for%'",
      'session_history.product',
      'a player or device name',
    ],
    ['tautulli', 'SELECT MAX(player) FROM sessions', 'sessions.player', 'a player or device name'],
    [
      'tautulli',
      "SELECT COUNT(*) FROM sessions WHERE json_extract(raw_stream_info, '$.ip_address') IS NOT NULL",
      'sessions.raw_stream_info',
      'the whole session as JSON',
    ],
    ['tautulli', 'SELECT COUNT(DISTINCT user_agent) FROM user_login', 'user_login.user_agent', 'a player or device name'],
    ['tautulli', 'SELECT COUNT(DISTINCT device_id) FROM mobile_devices', 'mobile_devices.device_id', 'a device id'],
    ['tautulli', 'SELECT COUNT(*) FROM users WHERE thumb IS NOT NULL', 'users.thumb', "a user's avatar URL"],
    ['tautulli', 'SELECT COUNT(custom_avatar_url) FROM users', 'users.custom_avatar_url', "a user's avatar URL"],
    ['tautulli', 'SELECT COUNT(themoviedb_json) FROM themoviedb_lookup', 'themoviedb_lookup.themoviedb_json', 'a JSON blob'],
    ['tautulli', 'SELECT COUNT(media_info) FROM recently_added', 'recently_added.media_info', 'a JSON blob'],
    ['plex', "SELECT COUNT(*) FROM section_locations WHERE root_path LIKE '/mnt/%'", 'section_locations.root_path', 'a file path'],
    ['plex', 'SELECT COUNT(url) FROM media_streams', 'media_streams.url', 'a file path'],
    ['plex', 'SELECT COUNT(path) FROM directories', 'directories.path', 'a file path'],
    ['plex', 'SELECT COUNT(extra_data) FROM metadata_items', 'metadata_items.extra_data', 'a JSON blob'],
    ['plex', 'SELECT COUNT(extra_data) FROM media_parts', 'media_parts.extra_data', 'a JSON blob'],
  ] as const)('%s: %s', (source, sql, column, why) => {
    expect(refusal(source, sql)).toContain(`reads ${column}, ${why}`);
  });

  it('still lets a metric read the columns next to them', () => {
    expect(refusal('tautulli', 'SELECT COUNT(DISTINCT platform) FROM session_history')).toBe('');
    expect(refusal('plex', 'SELECT COUNT(*) FROM media_streams WHERE codec IS NOT NULL')).toBe('');
  });
});

describe('private sections hold for metrics too', () => {
  const check = (source: 'plex' | 'tautulli' | 'marquee', sql: string, privateSections: (string | number)[], extra = {}) =>
    validateMetrics(parseDefs({ m: { source, returns: 'scalar', type: 'integer', sql, ...extra } }), paths, { privateSections })
      .map(formatProblem)
      .join('\n');

  it('refuses a metric over section rows while sections are private, naming the tables and the way out', () => {
    const sql = 'SELECT COUNT(*) FROM session_history sh JOIN session_history_metadata m ON m.id = sh.id';
    expect(check('tautulli', sql, ['Movies'])).toBe(
      'metric "m": reads session_history, session_history_metadata, whose rows include the private sections ' +
        '(privacy.privateSections); Marquee cannot filter a metric by section, so its value would publish their rows. ' +
        'Leave them out in the SQL and set readsPrivateSections: true, or remove the metric',
    );
    // COUNT(*) reads no column, only the table (or one of its indexes).
    expect(check('plex', 'SELECT COUNT(*) FROM metadata_items', [1])).toMatch(/^metric "m": reads metadata_items, whose rows include/);
  });

  it('accepts it when the owner says so, when no section is private, or when no table holds section rows', () => {
    const sql = 'SELECT COUNT(*) FROM session_history WHERE section_id <> 1';
    expect(check('tautulli', sql, [1], { readsPrivateSections: true })).toBe('');
    expect(check('tautulli', sql, [])).toBe('');
    expect(check('tautulli', 'SELECT COUNT(*) FROM users WHERE is_active = 1', ['Movies'])).toBe('');
    expect(check('tautulli', 'SELECT 42', ['Movies'])).toBe('');
    // Marquee's own store is written after the privacy policy.
    expect(check('marquee', 'SELECT COUNT(*) FROM history_points', ['Movies'])).toBe('');
  });
});

describe('metricsConfigSchema', () => {
  it('fills defaults and refuses shapes that cannot work', () => {
    const d = parseDefs({ m: { source: 'tautulli', returns: 'scalar', type: 'integer', sql: 'SELECT 1' } }).m!;
    expect(d).toMatchObject({ timeoutMs: 2000, maxRows: 100, unit: 'none', description: '' });
    const bad = (input: unknown) => () => parseDefs(input);
    expect(bad({ Bad: { source: 'plex', returns: 'scalar', type: 'integer', sql: 'SELECT 1' } })).toThrow(/metric names/);
    expect(bad({ m: { source: 'plex', returns: 'scalar', sql: 'SELECT 1' } })).toThrow(/must declare its type/);
    expect(bad({ m: { source: 'plex', returns: 'table', sql: 'SELECT 1' } })).toThrow(/must declare its columns/);
    expect(bad({ m: { source: 'plex', returns: 'scalar', type: 'integer', sql: 'SELECT 1', timeoutMs: 60_000 } })).toThrow();
    expect(bad({ m: { source: 'plex', returns: 'table', columns: { a: 'integer' }, sql: 'SELECT 1', maxRows: 5000 } })).toThrow();
    expect(bad({ m: { source: 'mysql', returns: 'scalar', type: 'integer', sql: 'SELECT 1' } })).toThrow();
    expect(bad({ m: { source: 'plex', returns: 'row', columns: { 'a.b': 'integer' }, sql: 'SELECT 1' } })).toThrow(/column names/);
  });
});
