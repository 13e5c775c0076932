import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createGlyphCheck } from '../../src/render/coverage.js';
import { createRenderer } from '../../src/render/index.js';
import { repoRenderer, root } from './helpers.js';
import { sampleSnapshot, stream } from './sample.js';

/**
 * Characters no configured font draws are found before an image draws them as tofu (/health,
 * check-config). The expected answers are known by construction: private-use code points of
 * planes 15 and 16 have no glyph in any font; Latin, Cyrillic and Greek are in the bundled Inter
 * and DejaVu; Japanese in the repository's Noto Sans JP subset (fonts/, scripts/subset-cjk-font.ts).
 */
const NO_GLYPH = ['\u{10FFFC}', '\u{10FFF0}', '\u{F0042}'];

describe('the glyph check', () => {
  it('finds the characters no font draws, each once, in first-seen order', () => {
    repoRenderer();
    const check = createGlyphCheck();
    expect(check.missing([`a${NO_GLYPH[1]}é`, `Ж${NO_GLYPH[0]}映画Ω`, `${NO_GLYPH[1]}${NO_GLYPH[2]}`])).toEqual([
      NO_GLYPH[1],
      NO_GLYPH[0],
      NO_GLYPH[2],
    ]);
  });

  it('does not count what draws nothing (spaces, joiners, controls)', () => {
    repoRenderer();
    expect(createGlyphCheck().missing([' \u00a0\u200d\u200c\t', 'x\ufe0fy'])).toEqual([]);
  });
});

describe('Renderer.fontCoverage', () => {
  it('finds nothing to report for the shipped locales and the demo data', () => {
    const r = repoRenderer();
    const report = r.fontCoverage(['en', 'fr', 'ja', 'de'], sampleSnapshot());
    expect(report).toEqual({
      locales: [
        { locale: 'en', missing: [] },
        { locale: 'fr', missing: [] },
        { locale: 'ja', missing: [] },
        { locale: 'de', missing: [] },
      ],
      drawn: [],
    });
  });

  it('reports a drawn title whose characters no font covers', () => {
    const r = repoRenderer();
    const s = sampleSnapshot();
    const title = `Film ${NO_GLYPH[0]}${NO_GLYPH[2]}`;
    const titled = sampleSnapshot({
      takenAt: s.takenAt + 1,
      activity: { ...s.activity!, streams: [stream({ watching: { title, grandparentTitle: null, year: null, thumb: null } })] },
    });
    expect(r.fontCoverage(['en'], titled).drawn).toEqual([NO_GLYPH[0], NO_GLYPH[2]]);
    // A later snapshot without it clears the report.
    expect(r.fontCoverage(['en'], sampleSnapshot({ takenAt: s.takenAt + 2 })).drawn).toEqual([]);
  });

  it('reports a locale whose words no font covers', () => {
    const dir = mkdtempSync(join(tmpdir(), 'marquee-locales-'));
    cpSync(join(root, 'locales'), dir, { recursive: true });
    const fr = JSON.parse(readFileSync(join(dir, 'fr.json'), 'utf8')) as { messages: Record<string, unknown> };
    fr.messages['label.cpu'] = `CPU ${NO_GLYPH[1]}`;
    writeFileSync(join(dir, 'fr.json'), JSON.stringify(fr));
    const r = createRenderer({
      templateDirs: [`${root}templates`],
      themeDirs: [`${root}themes`],
      fontsDir: `${root}fonts`,
      localesDir: dir,
    });
    const report = r.fontCoverage(['fr-CA', 'en'], sampleSnapshot());
    expect(report.locales).toEqual([
      { locale: 'fr-CA', missing: [NO_GLYPH[1]] },
      { locale: 'en', missing: [] },
    ]);
    // Counted once, under the locale, not again as drawn text.
    expect(report.drawn).toEqual([]);
  });
});
