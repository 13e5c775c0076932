import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateFixtures, type FixturePaths } from '../fixtures/generator/index.js';
import { ConfigError, loadConfig } from '../src/config/load.js';
import { createRenderer } from '../src/render/index.js';
import { checkDatabases, fontWarnings } from '../src/setup.js';
import { repoRenderer, root } from './render/helpers.js';

/**
 * check-config's font warnings. Known by construction, as in test/render/coverage.test.ts:
 * private-use code points of planes 15 and 16 have no glyph in any font.
 */
const NO_GLYPH = Array.from({ length: 10 }, (_, i) => String.fromCodePoint(0x10ff00 + i));

function rendererWithFrench(extra: string) {
  const dir = mkdtempSync(join(tmpdir(), 'marquee-locales-'));
  cpSync(join(root, 'locales'), dir, { recursive: true });
  const fr = JSON.parse(readFileSync(join(dir, 'fr.json'), 'utf8')) as { messages: Record<string, unknown> };
  fr.messages['label.cpu'] = `CPU ${extra}`;
  writeFileSync(join(dir, 'fr.json'), JSON.stringify(fr));
  return createRenderer({ templateDirs: [`${root}templates`], themeDirs: [`${root}themes`], fontsDir: `${root}fonts`, localesDir: dir });
}

describe('fontWarnings (check-config)', () => {
  it('says nothing for the shipped locales', () => {
    expect(fontWarnings(repoRenderer(), ['en-US', 'fr-FR', 'ja-JP', 'pt-BR'])).toEqual([]);
  });

  it('names a configured locale some of whose characters no font draws, one line per locale', () => {
    const r = rendererWithFrench(NO_GLYPH.slice(0, 2).join(''));
    expect(fontWarnings(r, ['fr-CA', 'en-GB'])).toEqual([
      'render.locale fr-CA: no configured font draws 2 of its character(s): U+10FF00 U+10FF01; they would be drawn as empty boxes',
    ]);
  });

  it('names eight code points at most and counts the rest', () => {
    const r = rendererWithFrench(NO_GLYPH.join(''));
    expect(fontWarnings(r, ['fr'])).toEqual([
      'render.locale fr: no configured font draws 10 of its character(s): U+10FF00 U+10FF01 U+10FF02 U+10FF03 U+10FF04 U+10FF05 U+10FF06 U+10FF07 and 2 more; they would be drawn as empty boxes',
    ]);
  });
});

describe('checkDatabases with several servers (issue 20)', () => {
  // The generator's "Home" has "Movies"; its "4K" server calls the same library "Movies 4K".
  let servers: FixturePaths[];
  beforeAll(() => {
    const dir = mkdtempSync(join(tmpdir(), 'marquee-setup-servers-'));
    servers = [0, 1].map((server) => generateFixtures(join(dir, `s${server}`), { profile: 'tiny', seed: 3, now: 1_790_000_000, server }));
  }, 60_000);

  const configWith = (privateSections: string[]) => {
    const dir = mkdtempSync(join(tmpdir(), 'marquee-setup-cfg-'));
    const entries = servers
      .map(
        (f, i) =>
          `  - id: ${['home', '4k'][i]}\n    plex: { db: ${JSON.stringify(f.plexDb)} }\n    tautulli: { db: ${JSON.stringify(f.tautulliDb)} }\n`,
      )
      .join('');
    writeFileSync(join(dir, 'marquee.yaml'), `privacy:\n  privateSections: ${JSON.stringify(privateSections)}\nservers:\n${entries}`);
    return loadConfig({ MARQUEE_CONFIG: join(dir, 'marquee.yaml') }, dir);
  };

  it('accepts a global private section that exists on one server only', () => {
    expect(checkDatabases(configWith(['Movies 4K']))).toEqual([]);
  });

  it("refuses a server's own private section that only another server has", () => {
    const dir = mkdtempSync(join(tmpdir(), 'marquee-setup-cfg-'));
    const [home, fourK] = servers as [FixturePaths, FixturePaths];
    writeFileSync(
      join(dir, 'marquee.yaml'),
      `servers:\n  - id: home\n    plex: { db: ${JSON.stringify(home.plexDb)} }\n    tautulli: { db: ${JSON.stringify(home.tautulliDb)} }\n` +
        `  - id: 4k\n    plex: { db: ${JSON.stringify(fourK.plexDb)} }\n    tautulli: { db: ${JSON.stringify(fourK.tautulliDb)} }\n` +
        `    privacy: { privateSections: ["Movies"] }\n`,
    );
    expect(() => checkDatabases(loadConfig({ MARQUEE_CONFIG: join(dir, 'marquee.yaml') }, dir))).toThrow(
      /servers\[1\] \(4k\)\.privacy\.privateSections: "Movies" matches no library section/,
    );
  });

  it('refuses one that exists on no server, naming what each server has', () => {
    let error: unknown;
    try {
      checkDatabases(configWith(['Movies 8K']));
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toContain('servers[0] (home).privacy.privateSections: "Movies 8K" matches no library section');
    expect(message).toContain('servers[1] (4k).privacy.privateSections: "Movies 8K" matches no library section');
    expect(message).toContain('"Movies 4K"');
  });
});
