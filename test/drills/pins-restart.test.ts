import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { copyFixtureDbs } from '../support/fixtures.js';
import { configFile, startServe, type ServeProcess } from './support/cli.js';

/**
 * Drill (issue 15, bug 2): a Discord post's image outlives the process that drew it. The real
 * `marquee serve` pins what /embed links, is killed with SIGKILL (no shutdown, no flush: an OOM
 * kill or a pulled container), and a new `serve` on the same data directory answers the posted
 * URL with the same bytes. Oracle: the bytes fetched before the kill, and the pins table read
 * straight from marquee.db with a separate read-only connection.
 */

const running: ServeProcess[] = [];
afterEach(async () => {
  for (const s of running.splice(0)) {
    if (s.child.exitCode === null && s.child.signalCode === null) {
      s.child.kill('SIGTERM');
      await s.exited;
    }
  }
});

describe('drill: versioned URLs survive a crash', () => {
  it('serves a pinned /v/ URL byte for byte after SIGKILL and a restart on the same data directory', async () => {
    const dbs = copyFixtureDbs('tiny');
    const dataDir = mkdtempSync(path.join(tmpdir(), 'marquee-drill-pins-'));
    const env = {
      MARQUEE_CONFIG: configFile('server:\n  publicUrl: https://status.example.org\n'),
      MARQUEE_PLEX_DB: dbs.plexDb,
      MARQUEE_TAUTULLI_DB: dbs.tautulliDb,
      MARQUEE_DATA_DIR: dataDir,
      MARQUEE_SCHEDULE: '0 0 1 1 *',
      MARQUEE_LOG_LEVEL: 'warn',
    };
    const first = await startServe(env);
    running.push(first);
    const html = await (await fetch(`${first.url}/embed/signature`)).text();
    const versioned = /<meta property="og:image" content="https:\/\/status\.example\.org(\/v\/[\w-]+\/signature\.png)"/.exec(html)?.[1];
    expect(versioned).toBeDefined();
    const before = Buffer.from(await (await fetch(first.url + versioned)).arrayBuffer());
    expect(before.subarray(1, 4).toString()).toBe('PNG');

    first.child.kill('SIGKILL');
    await first.exited;
    const db = new Database(path.join(dataDir, 'marquee.db'), { readonly: true });
    const row = db.prepare('SELECT bytes, length(png) AS stored FROM pins WHERE etag = ?').get(versioned!.split('/')[2]) as
      { bytes: number; stored: number } | undefined;
    db.close();
    expect(row).toEqual({ bytes: before.length, stored: before.length });

    const second = await startServe(env);
    running.push(second);
    const res = await fetch(second.url + versioned);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(Buffer.from(await res.arrayBuffer()).equals(before)).toBe(true);
  }, 120_000);
});
