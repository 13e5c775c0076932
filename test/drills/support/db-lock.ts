import { spawn } from 'node:child_process';
import { PACKAGE_ROOT } from '../../../src/paths.js';

export interface HeldLock {
  /** Ends the transaction and the process. */
  release(): Promise<void>;
}

/**
 * Another process holding a SQLite database exclusively, as a Tautulli backup or Plex's "Optimize
 * database" does: every reader gets SQLITE_BUSY until it lets go. In WAL mode a writer alone does not
 * block readers, so the holder takes the exclusive locking mode (no shared memory, the file lock
 * held for the whole transaction); the database stays in WAL mode, as Plex's and Tautulli's are.
 */
export async function holdExclusiveLock(file: string): Promise<HeldLock> {
  const script = `
    const Database = require('better-sqlite3');
    const db = new Database(process.argv[1], { timeout: 10000 });
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
    process.stdout.write('locked\\n');
    process.stdin.on('end', () => { db.exec('ROLLBACK'); db.close(); process.exit(0); });
    process.stdin.resume();`;
  const child = spawn(process.execPath, ['-e', script, file], { cwd: PACKAGE_ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    void exited.then(() => reject(new Error(`the lock holder exited before locking: ${stderr}`)));
  });
  return {
    release: async () => {
      child.stdin!.end();
      await exited;
    },
  };
}
