import { openReadOnly } from './sqlite-readonly.js';

/** The library sections of Plex's DB: privacy.privateSections names them by name or by id. */
export const librarySectionsSql = 'SELECT id, name FROM library_sections ORDER BY id';

export interface LibrarySection {
  id: number;
  name: string;
}

/**
 * One problem per privateSections entry that matches no section. The sources match an entry
 * exactly (a number to an id, a string to a name), so a typo, a different case or a quoted id
 * ("3") matches nothing, and the section it meant stays public without a word.
 */
export function unmatchedPrivateSections(entries: ReadonlyArray<string | number>, sections: readonly LibrarySection[]): string[] {
  const list = sections.map((s) => `${s.id} ${JSON.stringify(s.name)}`).join(', ') || 'none';
  const problems: string[] = [];
  for (const entry of entries) {
    if (sections.some((s) => s.id === entry || s.name === entry)) continue;
    const hint =
      typeof entry === 'string' && sections.some((s) => String(s.id) === entry.trim())
        ? ` (a section id is a number: write ${entry.trim()} without quotes)`
        : typeof entry === 'string' && sections.some((s) => s.name.toLowerCase() === entry.trim().toLowerCase())
          ? ` (names match exactly, case included)`
          : '';
    problems.push(`${JSON.stringify(entry)} matches no library section${hint}; the sections are: ${list}`);
  }
  return problems;
}

/**
 * Reads the section list from Plex's DB (read-only) at start-up. Null when the DB cannot be read
 * now (missing, locked): the Plex source reports that on its own, and the check runs next start.
 */
export function readLibrarySections(plexDb: string, busyTimeoutMs = 1_000): LibrarySection[] | null {
  try {
    const handle = openReadOnly(plexDb, busyTimeoutMs);
    try {
      return handle.db.prepare(librarySectionsSql).all() as LibrarySection[];
    } finally {
      handle.close();
    }
  } catch {
    return null;
  }
}

/**
 * The start-up check of privacy.privateSections against Plex's sections: the problems (empty when
 * every entry matches), or null when the DB cannot be read now.
 */
export function checkPrivateSections(plexDb: string, entries: ReadonlyArray<string | number>): string[] | null {
  if (entries.length === 0) return [];
  const sections = readLibrarySections(plexDb);
  return sections && unmatchedPrivateSections(entries, sections);
}
