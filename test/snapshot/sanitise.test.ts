import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cleanText, MAX_TEXT, sanitiseData } from '../../src/snapshot/sanitise.js';

/**
 * Every string that enters a snapshot is capped and stripped of invisible controls. Expected values
 * are written out by hand (code points from the Unicode charts), never computed by the sanitiser.
 */

/** Characters that reorder or hide text, by code point: Unicode's Cc and Cf charts, as a list. */
const invisible: [string, number][] = [
  ['NUL', 0x0000],
  ['ESC', 0x001b],
  ['DEL', 0x007f],
  ['C1 CSI', 0x009b],
  ['soft hyphen', 0x00ad],
  ['Arabic letter mark', 0x061c],
  ['zero-width space', 0x200b],
  ['left-to-right mark', 0x200e],
  ['right-to-left mark', 0x200f],
  ['left-to-right embedding', 0x202a],
  ['right-to-left embedding', 0x202b],
  ['pop directional formatting', 0x202c],
  ['left-to-right override', 0x202d],
  ['right-to-left override', 0x202e],
  ['word joiner', 0x2060],
  ['left-to-right isolate', 0x2066],
  ['right-to-left isolate', 0x2067],
  ['first strong isolate', 0x2068],
  ['pop directional isolate', 0x2069],
  ['byte order mark', 0xfeff],
  ['interlinear annotation anchor', 0xfff9],
  ['tag latin small letter a', 0xe0061],
];

describe('cleaning one string', () => {
  it.each(invisible)('removes %s (U+%s)', (_name, cp) => {
    expect(cleanText(`Ev${String.fromCodePoint(cp)}il`)).toBe('Evil');
  });

  it('turns line breaks, tabs and separators into single spaces', () => {
    expect(cleanText('Part\r\n1\tof\u20282\u2029!\u0085.')).toBe('Part 1 of 2 ! .');
  });

  it('removes a lone surrogate but keeps a pair', () => {
    expect(cleanText('a\ud83cb')).toBe('ab');
    expect(cleanText('a\ud83c\udfacb')).toBe('a🎬b');
  });

  it('keeps the joiners emoji sequences and Persian spelling need', () => {
    const family = '\u{1f469}\u200d\u{1f469}\u200d\u{1f467}';
    expect(cleanText(family)).toBe(family);
    const persian = 'می\u200cخواهم';
    expect(cleanText(persian)).toBe(persian);
  });

  it('keeps every script, accents and emoji', () => {
    for (const t of ['Сталкер', 'Ζορμπάς', '千と千尋の神隠し', 'e\u0301te\u0301', 'Coco 🎸', 'אבג', 'مرحبا']) expect(cleanText(t)).toBe(t);
  });

  it('caps at 256 code units, ellipsis included', () => {
    expect(MAX_TEXT).toBe(256);
    expect(cleanText('a'.repeat(256))).toBe('a'.repeat(256));
    expect(cleanText('a'.repeat(257))).toBe(`${'a'.repeat(255)}…`);
    expect(cleanText('a'.repeat(200_000))).toBe(`${'a'.repeat(255)}…`);
  });

  it('cuts on a grapheme boundary: never half an emoji or an accent without its letter', () => {
    // 200 clapper boards are 400 code units; 127 of them (254 units) plus the ellipsis fit in 256.
    expect(cleanText('🎬'.repeat(200))).toBe(`${'🎬'.repeat(127)}…`);
    // "é" as e + U+0301 is two units: 127 of them (254) + ellipsis.
    expect(cleanText('e\u0301'.repeat(200))).toBe(`${'e\u0301'.repeat(127)}…`);
    // A flag is two regional indicators (4 units): 63 flags (252 units) + ellipsis.
    expect(cleanText('🇫🇷'.repeat(100))).toBe(`${'🇫🇷'.repeat(63)}…`);
  });

  it('counts the length after stripping: 300 units of which 100 are overrides is 200 units', () => {
    const t = 'ab\u202e'.repeat(100);
    expect(cleanText(t)).toBe('ab'.repeat(100));
  });

  it('is idempotent, never longer than the cap, and never leaves a control behind', () => {
    const controls = new RegExp(`[${invisible.map(([, cp]) => String.fromCodePoint(cp)).join('')}\\r\\n\\t]`, 'u');
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 600 }), (s) => {
        const once = cleanText(s);
        expect(cleanText(once)).toBe(once);
        expect(once.length).toBeLessThanOrEqual(256);
        expect(controls.test(once)).toBe(false);
      }),
      { numRuns: 500 },
    );
  });
});

describe('cleaning data', () => {
  it('cleans every string at any depth and leaves everything else as it was', () => {
    const input = {
      n: 1.5,
      b: true,
      nil: null,
      list: ['x\u202ey', { deep: ['a'.repeat(300)] }],
      record: { '24h': 'ok\u0000' },
    };
    expect(sanitiseData(input)).toEqual({
      n: 1.5,
      b: true,
      nil: null,
      list: ['xy', { deep: [`${'a'.repeat(255)}…`] }],
      record: { '24h': 'ok' },
    });
    expect(input.list[0]).toBe('x\u202ey');
  });
});
