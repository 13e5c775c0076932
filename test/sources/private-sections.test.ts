import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkPrivateSections } from '../../src/sources/private-sections.js';
import { configFile, runCli } from '../drills/support/cli.js';
import { copyFixtureDbs, fixtureDbs } from '../support/fixtures.js';

/**
 * privacy.privateSections names sections by name or id, matched exactly. An entry that matches
 * nothing would leave the section it meant public without a word, so start-up refuses it.
 */

type Section = { id: number; name: string };

// The oracle: the sections as Plex's own table lists them, read here without the code under test.
const plexDb = fixtureDbs('tiny').plexDb;
const db = new Database(plexDb, { readonly: true });
const sections = db.prepare('SELECT id, name FROM library_sections ORDER BY id').all() as Section[];
db.close();
const [first, second] = sections as [Section, Section];

describe('privacy.privateSections against the sections Plex has', () => {
  it('accepts names and ids that exist', () => {
    expect(sections.length).toBeGreaterThanOrEqual(2);
    expect(checkPrivateSections(plexDb, [first.name, second.id])).toEqual([]);
  });

  it.each([
    ['a typo', `${first.name}x`, /matches no library section; the sections are: /],
    ['a quoted id', String(second.id), new RegExp(`a section id is a number: write ${second.id} without quotes`)],
    ['a number that is no id', 987_654, /matches no library section/],
  ] as const)('refuses %s, naming the entry and listing every section', (_what, entry, hint) => {
    const problems = checkPrivateSections(plexDb, [first.name, entry]);
    expect(problems).toHaveLength(1);
    expect(problems![0]).toContain(JSON.stringify(entry));
    expect(problems![0]).toMatch(hint);
    for (const s of sections) expect(problems![0]).toContain(`${s.id} ${JSON.stringify(s.name)}`);
  });

  it('tells a different case apart from a typo', () => {
    expect(
      checkPrivateSections(plexDb, [first.name.toLowerCase() === first.name ? first.name.toUpperCase() : first.name.toLowerCase()])![0],
    ).toMatch(/names match exactly, case included/);
  });

  it('cannot check (null) when the Plex database cannot be read now, and checks nothing when the list is empty', () => {
    expect(checkPrivateSections(path.join(path.dirname(plexDb), 'missing.db'), ['Movies'])).toBeNull();
    expect(checkPrivateSections(path.join(path.dirname(plexDb), 'missing.db'), [])).toEqual([]);
  });

  it('makes check-config exit 2 with the message, before anything runs', async () => {
    const dbs = copyFixtureDbs('tiny');
    const yaml = `privacy:\n  privateSections: ["${first.name}", "${second.id}"]\n`;
    const run = runCli(['check-config'], {
      MARQUEE_CONFIG: configFile(yaml),
      MARQUEE_PLEX_DB: dbs.plexDb,
      MARQUEE_TAUTULLI_DB: dbs.tautulliDb,
      MARQUEE_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'marquee-sections-data-')),
    });
    expect((await run.exited).code).toBe(2);
    expect(run.stderr()).toContain('invalid privacy.privateSections');
    expect(run.stderr()).toContain(`"${second.id}" matches no library section`);
    expect(run.stderr()).not.toMatch(/\n\s+at /); // no stack trace
    expect(run.stdout()).toBe('');
  }, 60_000);
});
