import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRenderer } from '../src/render/index.js';
import { fontWarnings } from '../src/setup.js';
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
