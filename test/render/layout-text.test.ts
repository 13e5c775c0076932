import { beforeAll, describe, expect, it } from 'vitest';
import type { Renderer } from '../../src/render/index.js';
import type { FontSpec, TextOp } from '../../src/render/drawlist.js';
import { createMeasurer, registerFonts } from '../../src/render/fonts.js';
import type { Measurer } from '../../src/render/layout/context.js';
import { fitText } from '../../src/render/layout/text.js';
import { input, repoRenderer, root } from './helpers.js';
import { sampleSnapshot, stream } from './sample.js';

/**
 * Text fitting is bounded by the box, not by the string, and what reaches an image carries no
 * invisible control, even when a snapshot did not come through the collector (defence in depth).
 * Oracles: the real font measurer (a fit is the longest head that fits, one grapheme more does
 * not) and the number of code units handed to it.
 */
let r: Renderer;
let m: Measurer;
beforeAll(() => {
  r = repoRenderer();
  registerFonts(`${root}fonts`);
  m = createMeasurer();
});

/** The real measurer, counting the code units it is asked to measure. */
function counting(): Measurer & { units: number } {
  const inner = createMeasurer();
  const c = {
    units: 0,
    width(text: string, font: FontSpec) {
      c.units += text.length;
      return inner.width(text, font);
    },
  };
  return c;
}

const font: FontSpec = { size: 14, weight: 600 };

describe('fitting text into a box', () => {
  it('measures no more for a 200,000-character title than for a 2,000-character one', () => {
    const small = counting();
    fitText('x'.repeat(2_000), font, 300, small);
    const huge = counting();
    fitText('x'.repeat(200_000), font, 300, huge);
    expect(huge.units).toBe(small.units);
    // and little in absolute terms: a 300 px box holds ~40 'x' at 14 px.
    expect(huge.units).toBeLessThan(10_000);
  });

  it.each([
    ['Latin', 'The Extraordinarily Long and Winding Title '.repeat(5000)],
    ['emoji', '🎬🍿'.repeat(50_000)],
    ['combining accents', 'e\u0301'.repeat(100_000)],
    ['hair spaces between letters', 'i\u200a'.repeat(100_000)],
  ])('cuts a huge %s title to the longest head that fits, plus an ellipsis', (_what, title) => {
    const fitted = fitText(title, font, 300, m);
    expect(fitted.truncated).toBe(true);
    expect(fitted.text.endsWith('…')).toBe(true);
    const head = fitted.text.slice(0, -1);
    expect(title.startsWith(head)).toBe(true);
    expect(m.width(fitted.text, font)).toBeLessThanOrEqual(300);
    // One more grapheme of the title would not have fitted (spaces count with the next letter:
    // a cut never ends on one).
    const after = [...new Intl.Segmenter('en', { granularity: 'grapheme' }).segment(title.slice(head.length, head.length + 40))];
    const more = after.slice(0, after.findIndex((g) => g.segment.trim() !== '') + 1).map((g) => g.segment);
    expect(m.width(`${head}${more.join('')}…`, font)).toBeGreaterThan(300);
  });

  it('leaves text that fits as it is', () => {
    expect(fitText('Heat (1995)', font, 300, m)).toMatchObject({ text: 'Heat (1995)', truncated: false });
  });
});

describe('invisible controls in what an image draws', () => {
  const bidi = ['\u202e', '\u202d', '\u202a', '\u202b', '\u202c', '\u2066', '\u2067', '\u2068', '\u2069', '\u200e', '\u200f', '\u061c'];
  const hidden = ['\u200b', '\u2060', '\ufeff', '\u00ad', '\u0000', '\u001b', '\u007f'];

  it('strips bidirectional overrides and other invisible controls from titles and names', () => {
    const title = `Harmless${bidi.join('')}vid.exe`;
    const name = `ali${hidden.join('')}ce`;
    const s = sampleSnapshot();
    const snap = sampleSnapshot({
      activity: {
        ...s.activity!,
        streamCount: 1,
        streams: [stream({ watching: { title, grandparentTitle: `Show${bidi[0]}`, year: null, thumb: null }, viewer: { name } })],
      },
    });
    for (const template of ['nowplaying', 'card', 'og', 'signature']) {
      const texts = r
        .layout(input({ template, snapshot: snap }))
        .ops.filter((o): o is TextOp => o.op === 'text')
        .flatMap((o) => [o.text, o.full]);
      expect(texts.some((t) => t.startsWith('Harmless'))).toBe(true);
      expect(texts.filter((t) => [...bidi, ...hidden].some((c) => t.includes(c)))).toEqual([]);
    }
  });

  it('keeps a joined emoji sequence whole', () => {
    const family = '\u{1f469}\u200d\u{1f469}\u200d\u{1f467}';
    expect(fitText(`Family ${family}`, font, 300, m).text).toBe(`Family ${family}`);
  });

  it('bounds the text an op carries, drawn or kept as the original', () => {
    const s = sampleSnapshot();
    const huge = 'y'.repeat(200_000);
    const snap = sampleSnapshot({
      activity: { ...s.activity!, streams: [stream({ watching: { title: huge, grandparentTitle: huge, year: null, thumb: null } })] },
    });
    const ops = r.layout(input({ template: 'og', snapshot: snap })).ops.filter((o): o is TextOp => o.op === 'text');
    expect(Math.max(...ops.map((o) => o.full.length))).toBeLessThanOrEqual(1024);
  });
});
