import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/load.js';
import { configSchema } from '../../src/config/schema.js';
import { BUILTIN_THEMES_DIR, DEMO_POSTERS_DIR, FONTS_DIR, PACKAGE_ROOT } from '../../src/paths.js';
import { copyFixtureDbs } from '../support/fixtures.js';
import { decodePng } from '../support/png.js';
import { configFile, runCli } from './support/cli.js';
import { startTestMarquee } from '../support/marquee-instance.js';

/**
 * Drill 5: bad configuration. Every key, template, theme and font mistake fails at start with one
 * message naming it (and the CLI exits non-zero without a stack trace); files read later (cached
 * posters) are skipped without taking images down.
 */

type Schema = z.core.$ZodType;
const def = (s: Schema) => s._zod.def as unknown as { type: string; innerType?: Schema; shape?: Record<string, Schema> };

/** Every leaf key of the config schema, walked from the schema itself so new keys are drilled too. */
function leafKeys(schema: Schema, prefix: string[] = []): string[][] {
  let s = schema;
  while (['default', 'optional', 'nullable', 'prefault'].includes(def(s).type)) s = def(s).innerType!;
  const shape = def(s).type === 'object' ? def(s).shape : undefined;
  if (!shape) return [prefix];
  return Object.entries(shape).flatMap(([k, v]) => leafKeys(v, [...prefix, k]));
}
const KEYS = leafKeys(configSchema);

function errorFor(doc: Record<string, unknown>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'marquee-drill-badcfg-'));
  const file = path.join(dir, 'marquee.yaml');
  writeFileSync(file, JSON.stringify(doc));
  try {
    loadConfig({ MARQUEE_CONFIG: file }, dir);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error(`accepted ${JSON.stringify(doc)}`);
}
const nest = (keys: string[], value: unknown): Record<string, unknown> =>
  keys.reduceRight<unknown>((v, k) => ({ [k]: v }), value) as Record<string, unknown>;

describe('drill 5: every config key', () => {
  it('has a schema with leaves to drill', () => {
    expect(KEYS.length).toBeGreaterThan(40);
  });

  // An object is the one value no leaf accepts (strings, numbers, enums, booleans, arrays, records of objects).
  it.each(KEYS.map((k) => [k.join('.'), k]))('rejects a wrong value for %s, naming the key', (name, keys) => {
    const message = errorFor(nest(keys as string[], { bogus: true }));
    // Exactly one line names it (a leaf of sheets/discord also gets its missing required siblings named).
    expect(message.split('\n').filter((l) => new RegExp(`^  - ${name.replace('.', '\\.')}[:. (]`).test(l))).toHaveLength(1);
  });

  it.each(['(root)', 'plex', 'server', 'collector', 'store', 'render', 'privacy', 'thresholds', 'history', 'tautulli'])(
    'rejects an unknown key under %s, naming it',
    (section) => {
      const doc = section === '(root)' ? { colour: 'red' } : { [section]: { colour: 'red' } };
      expect(errorFor(doc)).toContain(section === '(root)' ? 'colour' : `${section}.colour`);
    },
  );
});

describe('drill 5: the CLI at start', () => {
  const dbs = copyFixtureDbs('tiny');
  const base = { MARQUEE_PLEX_DB: dbs.plexDb, MARQUEE_TAUTULLI_DB: dbs.tautulliDb, MARQUEE_PORT: '0' };
  const userDir = (files: Record<string, string>) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'marquee-drill-user-'));
    for (const [name, body] of Object.entries(files)) writeFileSync(path.join(dir, name), body);
    return dir;
  };
  const template = (text: string) =>
    JSON.stringify({
      name: 'mine',
      description: 'x',
      width: 200,
      height: 50,
      widgets: [{ type: 'text', x: 0, y: 0, w: 100, h: 20, text }],
    });
  const cases: [string, string[], Record<string, string>, number, RegExp][] = [
    ['a bad port from the environment', ['serve'], { MARQUEE_PORT: 'eighty' }, 2, /server\.port \(from MARQUEE_PORT\)/],
    ['a misspelt key', ['serve'], { MARQUEE_CONFIG: configFile('server:\n  prot: 80\n') }, 2, /server\.prot/],
    ['YAML that does not parse', ['check-config'], { MARQUEE_CONFIG: configFile('server: [\n') }, 2, /is not valid YAML/],
    [
      'an unknown template field',
      ['serve'],
      { MARQUEE_CONFIG: configFile(`render:\n  templatesDir: ${userDir({ 'mine.json': template('{activity.nope}') })}\n`) },
      1,
      /mine\.json: widgets\.0\.text: unknown field "activity\.nope"/,
    ],
    [
      'a theme with a broken colour',
      ['serve'],
      {
        MARQUEE_CONFIG: configFile(
          `render:\n  themesDir: ${userDir({ 'mine.json': '{"name":"mine","colours":{"text":"not-a-colour"}}' })}\n`,
        ),
      },
      1,
      /mine\.json: /,
    ],
  ];
  it.each(cases)(
    '%s: one clear message, non-zero exit, no stack trace',
    async (_what, args, env, code, message) => {
      const run = runCli(args, {
        MARQUEE_CONFIG: configFile(),
        MARQUEE_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'marquee-drill-d-')),
        ...base,
        ...env,
      });
      const exit = await run.exited;
      expect(exit.code, run.stderr()).toBe(code);
      expect(run.stderr()).toMatch(/^marquee: /);
      expect(run.stderr()).toMatch(message);
      expect(run.stderr()).not.toMatch(/\n\s+at |node_modules/);
      expect(run.stdout()).not.toMatch(/serving/);
    },
    60_000,
  );
});

describe('drill 5: more start-up mistakes, in process', () => {
  const dbs = copyFixtureDbs('tiny');
  const start = (yaml: string, env: Record<string, string> = {}) =>
    startTestMarquee({ dbs, yaml, env, collect: false }).then(
      async (m) => {
        await m.stop();
        return 'started';
      },
      (err: Error) => err.message,
    );
  const dirWith = (name: string, body: string) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'marquee-drill-user-'));
    writeFileSync(path.join(dir, name), body);
    return dir;
  };
  it.each([
    [
      'a template that is not JSON',
      () => start(`render:\n  templatesDir: ${dirWith('broken.json', '{ "name": ')}\n`),
      /broken\.json: not valid JSON/,
    ],
    [
      'an image naming an unknown template',
      () => start('images:\n  sig:\n    template: nope\n'),
      /^images\.sig\.template: unknown template "nope"$/,
    ],
    [
      'an image naming an unknown theme',
      () => start('images:\n  sig:\n    template: signature\n    theme: nope\n'),
      /^images\.sig\.theme: unknown theme "nope"$/,
    ],
    [
      'a theme pair naming a missing theme',
      () =>
        start(
          `render:\n  themesDir: ${dirWith(
            'x.json',
            readFileSync(path.join(BUILTIN_THEMES_DIR, 'dark.json'), 'utf8')
              .replace(/"name":\s*"dark"/, '"name": "x"')
              .replace(/"pair":\s*"[^"]*"/, '"pair": "ghost"'),
          )}\n`,
        ),
      /x\.json: pair: no theme named "ghost"/,
    ],
  ] as const)('%s fails at start, naming it', async (_what, run, message) => {
    expect(await run()).toMatch(message);
  });
  it('a config file that is missing is named', () => {
    expect(() => loadConfig({ MARQUEE_CONFIG: '/nonexistent/marquee.yaml' }, tmpdir())).toThrow(
      /cannot read config file \/nonexistent\/marquee\.yaml: ENOENT/,
    );
  });
});

describe('drill 5: fonts', () => {
  const probe = (dir: string) =>
    execFileSync(process.execPath, ['--import', 'tsx', path.join(PACKAGE_ROOT, 'test/drills/support/font-probe.ts'), dir], {
      cwd: PACKAGE_ROOT,
    })
      .toString()
      .trim();
  const brokenFonts = (change: (dir: string) => void) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'marquee-drill-fonts-'));
    cpSync(FONTS_DIR, dir, { recursive: true });
    change(dir);
    return dir;
  };
  it.each([
    [
      'unreadable (not a font)',
      (d: string) => writeFileSync(path.join(d, 'Inter_700Bold.ttf'), Buffer.from('not a font '.repeat(200))),
      /^cannot load font: .*Inter_700Bold\.ttf$/,
    ],
    ['missing', (d: string) => rmSync(path.join(d, 'Inter_600SemiBold.ttf')), /^font file missing: .*Inter_600SemiBold\.ttf$/],
    ['optional and missing (DejaVu): loads without it', (d: string) => rmSync(path.join(d, 'DejaVuSans.ttf')), /^loaded$/],
  ] as const)(
    'a bundled font that is %s is named at start',
    (_what, change, message) => {
      expect(probe(brokenFonts(change))).toMatch(message);
    },
    30_000,
  );
});

describe('drill 5: files read after start', () => {
  it('skips a corrupt cached poster and keeps drawing the image', async () => {
    // A stand-in Plex on 127.0.0.1 that answers every thumb with one real poster.
    const poster = readFileSync(
      path.join(
        DEMO_POSTERS_DIR,
        readdirSync(DEMO_POSTERS_DIR).find((f) => /\.(jpe?g|png|webp)$/.test(f))!,
      ),
    );
    const plex = createServer((_req, res) => res.writeHead(200, { 'content-type': 'image/jpeg' }).end(poster));
    await new Promise<void>((resolve) => plex.listen(0, '127.0.0.1', resolve));
    const { port } = plex.address() as AddressInfo;
    const dataDir = mkdtempSync(path.join(tmpdir(), 'marquee-drill-posters-'));
    const yaml = `plex:\n  url: http://127.0.0.1:${port}\n  token: drill-token\nprivacy:\n  watching: shown\n  thumbnails: blur\n`;
    try {
      const first = await startTestMarquee({ dataDir, yaml });
      expect((await fetch(`${first.url}/i/nowplaying.png`)).status).toBe(200);
      await first.stop();
      const cached = readdirSync(path.join(dataDir, 'posters'));
      expect(cached.length).toBeGreaterThan(0);
      for (const f of cached) writeFileSync(path.join(dataDir, 'posters', f), Buffer.from('garbage, not a JPEG'));
      // A restart on the same data dir reads the corrupt files back from disk.
      const second = await startTestMarquee({ dataDir, yaml });
      try {
        const res = await fetch(`${second.url}/i/nowplaying.png`);
        expect(res.status).toBe(200);
        expect(decodePng(Buffer.from(await res.arrayBuffer())).width).toBeGreaterThan(0);
        expect((await fetch(`${second.url}/health`)).status).toBe(200);
      } finally {
        await second.stop();
      }
    } finally {
      plex.close();
    }
  });
});
