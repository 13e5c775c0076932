// Run in a child process as an unprivileged user (root ignores permissions): opens a database the
// way the sources do and reports the outcome; the parent inspects this process's TMPDIR afterwards.
import { openReadOnly } from '../../../src/sources/sqlite-readonly.js';

try {
  const handle = openReadOnly(process.argv[2]!);
  handle.db.prepare('SELECT count(*) FROM sqlite_master').get();
  process.stdout.write(JSON.stringify({ copied: handle.copied }));
  handle.close();
} catch (err) {
  process.stdout.write(JSON.stringify({ error: (err as { code?: string }).code ?? 'unknown' }));
}
