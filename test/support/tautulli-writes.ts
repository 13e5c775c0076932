import Database from 'better-sqlite3';

/**
 * Changes to a Tautulli database made the way Tautulli makes them, for tests and the bench that
 * need a history to move between two reads. Each names the upstream function it mirrors.
 */

/**
 * Plays stopping, as activity_processor.write_session_history writes one: a session_history row,
 * then its session_history_media_info and session_history_metadata rows under the same id, then
 * `UPDATE session_history SET reference_id = ? WHERE id = ?` with its own id (a new play, not a
 * resumed one). Each copies the newest film play's rows (user, platform, section, title) and runs
 * from `startedS` to `stoppedS` without a pause. Returns the new rows' ids.
 */
export function writeStoppedPlays(tautulliDb: string, plays: { startedS: number; stoppedS: number; count?: number }): number[] {
  const db = new Database(tautulliDb);
  try {
    const columns = (table: string, skip: readonly string[]) =>
      (db.prepare(`SELECT name FROM pragma_table_info(?)`).pluck().all(table) as string[])
        .filter((c) => !skip.includes(c))
        .map((c) => `"${c}"`)
        .join(', ');
    const template = db.prepare(`SELECT MAX(id) FROM session_history WHERE media_type = 'movie'`).pluck().get() as number;
    const history = columns('session_history', ['id', 'reference_id', 'started', 'stopped', 'paused_counter']);
    const insert = db.prepare(
      `INSERT INTO session_history (reference_id, started, stopped, paused_counter, ${history})
       SELECT NULL, ?, ?, 0, ${history} FROM session_history WHERE id = ?`,
    );
    const details = ['session_history_media_info', 'session_history_metadata'].map((table) => {
      const rest = columns(table, ['id']);
      return db.prepare(`INSERT INTO ${table} (id, ${rest}) SELECT ?, ${rest} FROM ${table} WHERE id = ?`);
    });
    const group = db.prepare('UPDATE session_history SET reference_id = ? WHERE id = ?');
    return db.transaction(() =>
      Array.from({ length: plays.count ?? 1 }, () => {
        const id = Number(insert.run(plays.startedS, plays.stoppedS, template).lastInsertRowid);
        for (const statement of details) statement.run(id, template);
        group.run(id, id);
        return id;
      }),
    )();
  } finally {
    db.close();
  }
}

/**
 * History rows deleted as Tautulli's "delete history" does (database.delete_session_history_rows):
 * the rows of session_history, session_history_media_info and session_history_metadata with these ids.
 */
export function deleteHistoryRows(tautulliDb: string, ids: readonly number[]): void {
  const db = new Database(tautulliDb);
  try {
    const list = JSON.stringify(ids);
    db.transaction(() => {
      for (const table of ['session_history', 'session_history_media_info', 'session_history_metadata'])
        db.prepare(`DELETE FROM ${table} WHERE id IN (SELECT value FROM json_each(?))`).run(list);
    })();
  } finally {
    db.close();
  }
}
