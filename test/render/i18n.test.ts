import { createCanvas } from '@napi-rs/canvas';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCatalogues, matchCatalogue } from '../../src/render/i18n/catalogue.js';
import { fontString } from '../../src/render/fonts.js';
import type { Renderer } from '../../src/render/index.js';
import type { TextOp } from '../../src/render/drawlist.js';
import { catalogues, input, repoRenderer, root } from './helpers.js';
import { sampleSnapshot } from './sample.js';

/**
 * The message catalogue: locales/*.json, checked against English at load; the locale a request
 * asks for picks the words, Intl the numbers; and the fonts draw every character each shipped
 * locale uses. Expected strings are written out by hand (a translator's reading of the files).
 */
const SHIPPED = ['de', 'en', 'es', 'fr', 'it', 'ja', 'pt-BR'];

let r: Renderer;
beforeAll(() => {
  r = repoRenderer();
});

const en = JSON.parse(readFileSync(join(root, 'locales', 'en.json'), 'utf8')) as {
  locale: string;
  name: string;
  messages: Record<string, unknown>;
};

function dirWith(files: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'marquee-locales-'));
  writeFileSync(join(dir, 'en.json'), JSON.stringify(en));
  for (const [name, body] of Object.entries(files)) writeFileSync(join(dir, name), typeof body === 'string' ? body : JSON.stringify(body));
  return dir;
}
const fr = (messages: Record<string, unknown>) => ({
  locale: 'fr',
  name: 'Français',
  messages: { ...(JSON.parse(readFileSync(join(root, 'locales', 'fr.json'), 'utf8')) as { messages: object }).messages, ...messages },
});

describe('locale files', () => {
  it('ships the seven languages the issue asks for, each complete', () => {
    expect(r.locales.slice().sort()).toEqual(SHIPPED);
    expect(r.locales[0]).toBe('en');
    const all = catalogues();
    for (const c of all.values()) expect([...c.messages.keys()].sort(), c.locale).toEqual([...all.get('en')!.messages.keys()].sort());
  });

  it.each<[string, Record<string, unknown> | string, RegExp]>([
    ['a missing key', { locale: 'fr', name: 'x', messages: { 'state.online': 'en ligne' } }, /fr\.json: messages\.state\.busy: missing/],
    ['an unknown key', fr({ 'state.sleepy': 'endormi' }), /fr\.json: messages\.state\.sleepy: unknown key/],
    [
      'a plural form the language lacks',
      fr({ 'count.movie': { one: '{n} film', two: '{n} films', many: '{n} de films', other: '{n} films' } }),
      /fr\.json: messages\.count\.movie\.two: fr has no plural form "two"/,
    ],
    [
      'a plural form the language needs',
      fr({ 'count.movie': { one: '{n} film', other: '{n} films' } }),
      /fr\.json: messages\.count\.movie\.many: fr needs the plural form "many"/,
    ],
    [
      'a renamed placeholder',
      fr({ 'footer.updated': 'mis à jour à {takenAt}' }),
      /fr\.json: messages\.footer\.updated: placeholders \{takenAt\} differ/,
    ],
    ['a text where English has plural forms', fr({ 'count.movie': '{n} films' }), /fr\.json: messages\.count\.movie: must be plural forms/],
    ['a malformed placeholder', fr({ 'label.cpu': 'CPU {' }), /fr\.json: messages\.label\.cpu: malformed placeholder/],
    ['a tag Node does not know', { ...en, locale: 'xx' }, /xx\.json: locale: "xx" is not a locale/],
    ['broken JSON', '{ "locale": ', /fr\.json: not valid JSON/],
  ])('refuses %s, naming the file and the key', (_what, body, err) => {
    const name = typeof body === 'object' && body.locale === 'xx' ? 'xx.json' : 'fr.json';
    expect(() => loadCatalogues([dirWith({ [name]: body })])).toThrow(err);
  });

  it('picks the closest catalogue for a request', () => {
    const all = catalogues();
    const pick = (tag: string | undefined) => matchCatalogue(all, tag).locale;
    expect([
      pick('fr-CA'),
      pick('pt'),
      pick('pt-PT'),
      pick('en-US'),
      pick('ja-JP'),
      pick('de-CH'),
      pick('zz'),
      pick('not a tag!'),
      pick(undefined),
    ]).toEqual(['fr', 'pt-BR', 'pt-BR', 'en', 'ja', 'de', 'en', 'en', 'en']);
  });
});

describe('an image in the user language', () => {
  const tags = (ops: readonly { op: string; tag?: string }[]) => ops as TextOp[];
  const text = (locale: string, tag: string, snapshot = sampleSnapshot()) =>
    tags(r.layout(input({ template: 'signature', snapshot, params: { scale: 1, locale, timeZone: 'Europe/Paris' } })).ops).find(
      (o) => o.tag === tag,
    )?.text;

  it.each<[string, string, string, string]>([
    ['en', 'Streams', '12.8 Mb/s', '1,234 movies · 156 shows · 8,765 episodes · 48.2 TB on disk'],
    ['fr', 'Flux', '12,8\u202fMbit/s', '1 234 films · 156 séries · 8 765 épisodes · 48,2 To sur disque'],
    ['es', 'Transmisiones', '12,8 Mb/s', '1234 películas · 156 series · 8765 episodios · 48,2 TB en disco'],
    ['de', 'Streams', '12,8 Mb/s', '1.234 Filme · 156 Serien · 8.765 Folgen · 48,2 TB belegt'],
    ['it', 'Stream', '12,8 Mb/s', '1234 film · 156 serie · 8765 episodi · 48,2 TB su disco'],
    ['pt-BR', 'Transmissões', '12,8 Mb/s', '1.234 filmes · 156 séries · 8.765 episódios · 48,2 TB em disco'],
    ['ja', 'ストリーム', '12.8 Mb/秒', '映画 1,234 本 · 番組 156 件 · エピソード 8,765 話 · 48.2 TB 使用容量'],
  ])('%s: labels, units and counted nouns', (locale, label, bandwidth, library) => {
    expect(text(locale, 'streams.label')).toBe(label);
    expect(text(locale, 'bandwidth.value')).toBe(bandwidth);
    // Intl's group separators are narrow no-break spaces in French: compare with plain spaces.
    expect(text(locale, 'library')?.replace(/[\u202f\u00a0]/g, ' ')).toBe(library);
  });

  it('chooses plural forms by the language rules, not by "n === 1"', () => {
    const one = sampleSnapshot({
      library: { ...sampleSnapshot().library!, totals: { ...sampleSnapshot().library!.totals, movies: 1, shows: 0 } },
    });
    expect(text('en', 'library', one)).toMatch(/^1 movie · 0 shows/);
    // French counts 0 as singular.
    expect(text('fr', 'library', one)).toMatch(/^1 film · 0 série/);
    expect(text('ja', 'library', one)).toMatch(/^映画 1 本 · 番組 0 件/);
  });

  it('formats times in the configured zone and the locale style', () => {
    expect(text('de', 'footer')).toBe('aktualisiert 15:04');
    expect(text('en', 'footer')).toBe('updated 3:04 PM');
    expect(text('ja', 'footer')).toBe('15:04 更新');
  });
});

/** Characters every locale's messages and Intl output put in front of its fonts. */
function charsOf(locale: string): string[] {
  const c = catalogues().get(locale)!;
  const texts = [...c.messages.values()].flatMap((m) =>
    (m.kind === 'text' ? [m.segments] : Object.values(m.forms)).flatMap((segs) => segs.flatMap((s) => (s.kind === 'lit' ? [s.text] : []))),
  );
  const r2 = repoRenderer();
  const ops = r2.layout(input({ template: 'og', params: { scale: 1, locale } })).ops;
  texts.push(...(ops as TextOp[]).filter((o) => o.op === 'text').map((o) => o.text));
  return [...new Set([...texts.join('')])].filter((ch) => ch.trim() !== '');
}

describe('font coverage of every shipped locale', () => {
  // U+10FFFD (plane 16 private use) has no glyph in any font: it draws the "missing glyph" box.
  // (U+E000 does not: Inter draws a glyph there.)
  const raster = (s: string): string => {
    const canvas = createCanvas(40, 30);
    const ctx = canvas.getContext('2d');
    ctx.font = fontString({ size: 20, weight: 400 });
    ctx.fillStyle = '#000';
    ctx.fillText(s, 2, 22);
    return Buffer.from(canvas.data()).toString('base64');
  };

  it.each(SHIPPED)('%s: every character draws as a glyph, not as tofu', (locale) => {
    repoRenderer();
    const tofu = raster('\u{10FFFD}');
    const missing = charsOf(locale).filter((ch) => raster(ch) === tofu);
    // Japanese draws with the repository's Noto Sans JP subset (fonts/); a new word needs the subset remade.
    expect(missing, `${locale}: no font draws ${missing.join(' ')}`).toEqual([]);
  });

  it('finds tofu when there is some (the check can fail)', () => {
    expect(raster('\u{10FFFD}')).toBe(raster('\u{10FFFC}'));
    expect(raster('a')).not.toBe(raster('\u{10FFFD}'));
  });

  it('lists no locale file that the renderer did not load', () => {
    const files = readdirSync(join(root, 'locales')).filter((f) => f.endsWith('.json') && !f.endsWith('.schema.json'));
    expect(files.map((f) => f.replace(/\.json$/, '')).sort()).toEqual(SHIPPED);
  });
});
