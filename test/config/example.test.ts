import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { PACKAGE_ROOT } from '../../src/paths.js';
import { loadDrawing } from '../../src/setup.js';

/**
 * marquee.example.yaml is what people copy: with every commented-out setting switched on it must
 * still be a valid configuration whose images name templates and themes that exist (issue 15: it
 * named a theme, github-dark, that never shipped).
 *
 * A commented line is a setting when what follows `# ` starts with a lower-case key and a colon
 * (prose comments start with a capital or are not `key:` lines); it is uncommented in place, so
 * it keeps the indentation of the block it belongs to.
 */
const example = readFileSync(path.join(PACKAGE_ROOT, 'marquee.example.yaml'), 'utf8');
const SETTING = /^(\s*)# ?(\s*[a-z][A-Za-z0-9]*:(?:\s|$).*)$/;
const uncommented = example
  .split('\n')
  .map((line) => line.replace(SETTING, '$1$2'))
  .join('\n');

describe('marquee.example.yaml', () => {
  it('has commented settings to switch on', () => {
    const switched = example.split('\n').filter((l) => SETTING.test(l));
    expect(switched.length).toBeGreaterThan(10);
    expect(switched.join('\n')).toMatch(/images:/);
    expect(switched.join('\n')).toMatch(/discord:/);
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

  it('names images once switched on', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'marquee-example-'));
    writeFileSync(path.join(dir, 'marquee.yaml'), uncommented.replace(/^\s*(templatesDir|themesDir):.*$/gm, ''));
    expect(Object.keys(loadConfig({}, dir).images ?? {})).toEqual(['signature', 'readme']);
  });
});
