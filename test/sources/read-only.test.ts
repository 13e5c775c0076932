import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { createSourceReader } from '../../src/sources/read-all.js';
import { openReadOnly } from '../../src/sources/sqlite-readonly.js';
import { copyFixtureDbs, FIXTURE_NOW_MS, leaveWal } from '../support/fixtures.js';

const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) {
    chmodSync(dir, 0o755);
    rmSync(dir, { recursive: true, force: true });
  }
});

describe('sources never write to Plex or Tautulli', () => {
  it('leaves both database files byte-identical after a collection', async () => {
    const dbs = copyFixtureDbs('tiny');
    dirs.push(dbs.dir);
    const before = [sha(dbs.plexDb), sha(dbs.tautulliDb)];
    const read = createSourceReader({ ...dbs, privateSections: [], timeZone: 'UTC', hostTimeoutMs: 5000 });
    const results = await read(FIXTURE_NOW_MS);
    expect(results.plex.ok && results.tautulli.ok).toBe(true);
    expect([sha(dbs.plexDb), sha(dbs.tautulliDb)]).toEqual(before);
  });

  it('refuses writes on the handle it opens', () => {
    const dbs = copyFixtureDbs('tiny');
    dirs.push(dbs.dir);
    const handle = openReadOnly(dbs.tautulliDb);
    expect(() => handle.db.prepare("UPDATE users SET username = 'x'").run()).toThrow(/readonly/i);
    handle.close();
  });

  it('reads a WAL database in a read-only directory with no -shm by falling back to a private copy', () => {
    const dbs = copyFixtureDbs('tiny');
    dirs.push(dbs.dir);
    chmodSync(dbs.dir, 0o755);
    chmodSync(dbs.plexDb, 0o644);
    // WAL mode is recorded in the header (bytes 18-19 = 2); read it without opening, which would create a -shm.
    expect(readFileSync(dbs.plexDb).subarray(18, 20)).toEqual(Buffer.from([2, 2]));
    expect(existsSync(`${dbs.plexDb}-shm`)).toBe(false);
    const before = sha(dbs.plexDb);
    chmodSync(dbs.dir, 0o555);
    // Root ignores directory permissions, so the probe runs as an unprivileged user.
    const asUser = process.getuid?.() === 0 ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] : [];
    const probe = path.resolve(__dirname, '../support/open-readonly-probe.ts');
    const cmd = [...asUser, process.execPath, '--import', 'tsx', probe, dbs.plexDb];
    const out = execFileSync(cmd[0]!, cmd.slice(1), {
      cwd: path.resolve(__dirname, '../..'),
      env: { ...process.env, TSX_DISABLE_CACHE: '1' },
    });
    const result = JSON.parse(out.toString()) as { copied: boolean; items: number };
    expect(result).toMatchObject({ copied: true });
    expect(result.items).toBeGreaterThan(0);
    expect(sha(dbs.plexDb)).toBe(before);
  });
});

describe('the private copy never outlives its read', () => {
  /**
   * A -wal with commits and no -shm in a read-only directory (Tautulli crashed, or a backup of db +
   * wal): only a copy can be read. Here the -wal is also unreadable to us, so the copy fails half-way,
   * after the full database was copied: the step that used to leave a /tmp/marquee-ro-* behind.
   */
  it('removes the half-made copy when a copy step fails, and the whole copy after a good read', () => {
    const dbs = copyFixtureDbs('tiny');
    dirs.push(dbs.dir);
    const scratch = mkdtempSync(path.join(tmpdir(), 'marquee-test-tmpdir-'));
    dirs.push(scratch);
    chmodSync(scratch, 0o777);
    for (const f of [dbs.plexDb, dbs.tautulliDb]) for (const x of ['-wal', '-shm']) rmSync(`${f}${x}`, { force: true });
    leaveWal(dbs.tautulliDb);
    chmodSync(`${dbs.tautulliDb}-wal`, 0o600);
    chmodSync(dbs.dir, 0o555);
    const probe = (file: string) => {
      const asUser = process.getuid?.() === 0 ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] : [];
      const cmd = [...asUser, process.execPath, '--import', 'tsx', path.resolve(__dirname, 'support/copy-fallback-probe.ts'), file];
      const out = execFileSync(cmd[0]!, cmd.slice(1), {
        cwd: path.resolve(__dirname, '../..'),
        env: { ...process.env, TSX_DISABLE_CACHE: '1', TMPDIR: scratch },
      });
      return JSON.parse(out.toString()) as { copied?: boolean; error?: string };
    };
    expect(probe(dbs.tautulliDb)).toEqual({ error: 'EACCES' });
    expect(readdirSync(scratch)).toEqual([]);
    expect(probe(dbs.plexDb)).toEqual({ copied: true });
    expect(readdirSync(scratch)).toEqual([]);
  });
});
