import Database from 'better-sqlite3';
import { DEMO_EMAILS, DEMO_IPS, DEMO_PLAYERS, DEMO_SECRETS, DEMO_USERS } from '../../fixtures/generator/index.js';

/**
 * What no public output may contain under the default privacy policy, from the fixtures' own data:
 * the generator's people, addresses, players, e-mails and tokens, and every title the Tautulli
 * files hold (live and in history). Titles shorter than 8 characters ("Up", "Heat") would match
 * unrelated text such as JSON keys; 8+ are specific enough to mean the title itself leaked.
 */
export function forbiddenStrings(tautulliDbs: readonly string[]): string[] {
  const titles = tautulliDbs.flatMap((file) => {
    const db = new Database(file, { readonly: true });
    try {
      return db
        .prepare(
          `SELECT title FROM sessions UNION SELECT grandparent_title FROM sessions
           UNION SELECT full_title FROM session_history_metadata UNION SELECT grandparent_title FROM session_history_metadata`,
        )
        .pluck()
        .all() as (string | null)[];
    } finally {
      db.close();
    }
  });
  const longTitles = titles.filter((t): t is string => typeof t === 'string' && t.length >= 8);
  return [
    ...DEMO_USERS.flatMap((u) => [u.username, u.friendlyName]),
    ...DEMO_IPS,
    ...DEMO_PLAYERS,
    ...DEMO_EMAILS,
    ...DEMO_SECRETS,
    ...longTitles,
  ].filter((s) => typeof s === 'string' && s.length >= 4);
}

/** The forbidden strings a text contains. */
export function leaks(haystack: string, needles: readonly string[]): string[] {
  return needles.filter((n) => haystack.includes(n));
}
