import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureDemoDatabases } from '../src/demo.js';

describe('demo databases on a first start', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'marquee-demo-'));
  const plexDb = path.join(dir, 'com.plexapp.plugins.library.db');
  const tautulliDb = path.join(dir, 'tautulli.db');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('are built in another process, with progress, while this one keeps serving', async () => {
    // A timer that must keep firing: a build on this thread would hold it for the whole build.
    let ticks = 0;
    const timer = setInterval(() => ticks++, 50);
    const progress: Array<[number, string]> = [];
    const started = Date.now();
    try {
      expect(await ensureDemoDatabases(plexDb, tautulliDb, Date.now(), (fraction, step) => progress.push([fraction, step]))).toBe(true);
    } finally {
      clearInterval(timer);
    }
    const elapsed = Date.now() - started;
    expect(ticks).toBeGreaterThan(elapsed / 50 / 4);
    expect(progress.map(([, step]) => step)).toEqual(expect.arrayContaining(['library', 'history', 'indexes', 'done']));
    const fractions = progress.map(([f]) => f);
    expect(fractions).toEqual([...fractions].sort((a, b) => a - b));
    expect(fractions.at(-1)).toBe(1);
    const db = new Database(tautulliDb, { readonly: true });
    expect(db.prepare('SELECT COUNT(*) FROM session_history').pluck().get()).toBeGreaterThan(1000);
    db.close();
  }, 120_000);

  it('are kept while fresh', async () => {
    expect(await ensureDemoDatabases(plexDb, tautulliDb, Date.now())).toBe(false);
  });
});
