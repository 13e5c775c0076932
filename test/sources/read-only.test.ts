import { createHash } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { createSourceReader } from '../../src/sources/read-all.js';
import { openReadOnly } from '../../src/sources/sqlite-readonly.js';
import { copyFixtureDbs, FIXTURE_NOW_MS } from '../support/fixtures.js';

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
