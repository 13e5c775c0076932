import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { loadConfig } from '../../src/config/load.js';
import { PACKAGE_ROOT } from '../../src/paths.js';
import { loadDrawing } from '../../src/setup.js';

/**
 * marquee.example.yaml is what people copy: with every commented-out setting switched on it must
 * still be a valid configuration whose images name templates and themes that exist (issue 15: it
 * named a theme, github-dark, that never shipped).
 *
 * A commented line is a setting when what follows `# ` starts with a lower-case key and a colon,
 * or `- ` and one (a list entry: `servers:`); prose comments start with a capital or are not
 * `key:` lines. It is uncommented in place, so it keeps the indentation of the block it belongs to.
 *
 * The `servers:` example replaces the top-level plex, tautulli and host blocks (its comment says
 * to remove them, and a config with both is refused): switched on, those blocks go, as a user
 * following the comment would remove them.
 */
const example = readFileSync(path.join(PACKAGE_ROOT, 'marquee.example.yaml'), 'utf8');
const SETTING = /^(\s*)# ?(\s*(?:- )?[a-z][A-Za-z0-9]*:(?:\s|$).*)$/;
const switchedOn = example
  .split('\n')
  .map((line) => line.replace(SETTING, '$1$2'))
  .join('\n');
const uncommented = (() => {
  const doc = parse(switchedOn) as Record<string, unknown>;
  for (const section of ['plex', 'tautulli', 'host']) delete doc[section];
  return stringify(doc);
})();

describe('marquee.example.yaml', () => {
  it('has commented settings to switch on', () => {
    const switched = example.split('\n').filter((l) => SETTING.test(l));
    expect(switched.length).toBeGreaterThan(10);
    expect(switched.join('\n')).toMatch(/images:/);
    expect(switched.join('\n')).toMatch(/discord:/);
    expect(switched.join('\n')).toMatch(/servers:/);
  });

  it.each([
    ['as shipped', example],
    ['with every commented setting switched on', uncommented],
  ])('is valid %s: config, templates, themes and images', (_what, yaml) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'marquee-example-'));
    // The directories it points at for your own templates and themes, empty.
    for (const d of ['my-templates', 'my-themes']) mkdirSync(path.join(dir, d));
    writeFileSync(path.join(dir, 'marquee.yaml'), yaml);
    const config = loadConfig({}, dir);
    const { images, renderer } = loadDrawing(config);
    for (const [name, image] of images) {
      expect(renderer.templates.has(image.template), `${name}: ${image.template}`).toBe(true);
      expect(renderer.themes.has(image.theme), `${name}: ${image.theme}`).toBe(true);
    }
  });

  it('lists two servers once switched on, each with its own sources and overrides', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'marquee-example-'));
    writeFileSync(path.join(dir, 'marquee.yaml'), uncommented.replace(/^\s*(templatesDir|themesDir):.*$/gm, ''));
    const config = loadConfig({}, dir);
    expect(config.servers.map((s) => [s.id, s.name])).toEqual([
      ['home', 'Home'],
      ['4k', '4K'],
    ]);
    const [home, fourK] = config.servers;
    expect(home!.tautulli.db).toBe('/tautulli-home/tautulli.db');
    expect(fourK!.tautulli).toMatchObject({ db: '', url: 'http://192.168.1.20:8181' });
    // The global values the example sets, and the 4K server's own over them.
    expect([home!.thresholds.overloadedStreams, fourK!.thresholds.overloadedStreams]).toEqual([8, 4]);
    expect([home!.privacy.thumbnails, fourK!.privacy.thumbnails]).toEqual(['blur', 'hide']);
    expect(config.warnings).toEqual([]);
  });

  it('names images once switched on', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'marquee-example-'));
    writeFileSync(path.join(dir, 'marquee.yaml'), uncommented.replace(/^\s*(templatesDir|themesDir):.*$/gm, ''));
    expect(Object.keys(loadConfig({}, dir).images ?? {})).toEqual(['signature', 'readme']);
  });
});
