// Run in a child process (as an unprivileged user when the tests run as root) to open a database
// the way Marquee does and report whether it had to read a private copy.
import { openReadOnly } from '../../src/sources/sqlite-readonly.js';

const handle = openReadOnly(process.argv[2]!);
const row = handle.db.prepare('SELECT COUNT(*) AS n FROM metadata_items').get() as { n: number };
process.stdout.write(JSON.stringify({ copied: handle.copied, items: row.n }));
handle.close();
