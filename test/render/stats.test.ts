import { beforeAll, describe, expect, it } from 'vitest';
import { templateFields } from '../../src/privacy/inventory.js';
import { applyPrivacy } from '../../src/privacy/policy.js';
import type { DrawOp, Renderer } from '../../src/render/index.js';
import type { RectOp, TextOp } from '../../src/render/drawlist.js';
import type { Snapshot } from '../../src/snapshot/schema.js';
import { input, repoRenderer } from './helpers.js';
import { sampleSnapshot, typeOnlySnapshot } from './sample.js';

/**
 * The widgets of Tautulli's home page, from history already collected: plays per hour and per
 * weekday, top platforms, recently added (an opt-in). Expected words, labels and fractions are
 * written out by hand from the inputs below (a reader's reading of each language's calendar).
 */
let r: Renderer;
beforeAll(() => {
  r = repoRenderer();
});

const texts = (ops: DrawOp[]) => ops.filter((o): o is TextOp => o.op === 'text');
const textOf = (ops: DrawOp[], tag: string) => texts(ops).find((o) => o.tag === tag)?.text;
const bars = (ops: DrawOp[], prefix: string) =>
  ops.filter((o): o is RectOp => o.op === 'rect' && new RegExp(`^${prefix}\\.\\d+$`).test(o.tag ?? '')).map((o) => o.value);

function withHistory(over: Partial<NonNullable<Snapshot['history']>>): Snapshot {
  const s = sampleSnapshot();
  return { ...s, history: { ...s.history!, ...over } };
}
const stats = (snapshot: Snapshot | null, locale = 'en', timeZone = 'UTC') =>
  r.layout(input({ template: 'stats', snapshot, params: { scale: 1, locale, timeZone } })).ops;

describe('plays per hour of day', () => {
  // 10 plays at 9 PM, 5 at 9 AM, none otherwise.
  const byHour = Array.from({ length: 24 }, (_, h) => (h === 21 ? 10 : h === 9 ? 5 : 0));
  const snapshot = withHistory({ playsByHour: byHour });

  it('draws a bar per hour scaled to the busiest, which the label line names', () => {
    const ops = stats(snapshot);
    const values = bars(ops, 'hours');
    expect(values).toHaveLength(24);
    expect(values[21]).toBe(1);
    expect(values[9]).toBe(0.5);
    expect(values.filter((v) => v === 0)).toHaveLength(22);
    expect(textOf(ops, 'hours.peak')).toBe('peak 9 PM');
    expect(textOf(ops, 'hours.label')).toBe('Plays by hour of day, 30 days');
  });

  it.each<[string, string, string[]]>([
    ['en', 'peak 9 PM', ['12 AM', '6 AM', '12 PM', '6 PM']],
    ['fr', 'pic 21 h', ['00 h', '06 h', '12 h', '18 h']],
    ['de', 'Spitze 21 Uhr', ['00 Uhr', '06 Uhr', '12 Uhr', '18 Uhr']],
    ['ja', 'ピーク 21時', ['0時', '6時', '12時', '18時']],
  ])('%s: hours as the language writes them on a clock, every six', (locale, peak, axis) => {
    const ops = stats(snapshot, locale);
    expect(textOf(ops, 'hours.peak')).toBe(peak);
    expect([0, 6, 12, 18].map((h) => textOf(ops, `hours.axis.${h}`))).toEqual(axis);
  });
});

describe('plays per weekday', () => {
  const snapshot = withHistory({ playsByWeekday: [7, 1, 2, 3, 4, 5, 6] });

  it.each<[string, string[], string]>([
    ['en', ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'], 'peak Sun'],
    ['fr', ['dim.', 'lun.', 'mar.', 'mer.', 'jeu.', 'ven.', 'sam.'], 'pic dim.'],
    ['de', ['So', 'Mo', 'Di', 'Mi', 'Do', 'Fr', 'Sa'], 'Spitze So'],
    ['ja', ['日', '月', '火', '水', '木', '金', '土'], 'ピーク 日'],
  ])('%s: Sunday first, in the language of the image', (locale, days, peak) => {
    const ops = stats(snapshot, locale);
    expect([0, 1, 2, 3, 4, 5, 6].map((i) => textOf(ops, `weekdays.axis.${i}`))).toEqual(days);
    expect(textOf(ops, 'weekdays.peak')).toBe(peak);
    expect(bars(ops, 'weekdays')).toEqual([1, 1 / 7, 2 / 7, 3 / 7, 4 / 7, 5 / 7, 6 / 7]);
  });

  it('says there were no plays rather than drawing empty bars, and "—" without history', () => {
    expect(textOf(stats(withHistory({ playsByWeekday: [0, 0, 0, 0, 0, 0, 0] })), 'weekdays.empty')).toBe('No plays in the last 30 days');
    const none = stats(sampleSnapshot({ history: null }));
    expect(textOf(none, 'weekdays.empty')).toBe('—');
    expect(textOf(none, 'platforms.empty')).toBe('—');
  });
});

describe('top platforms', () => {
  it('ranks the first four with their plays, each bar scaled to the first', () => {
    const ops = stats(sampleSnapshot());
    // The demo data: Roku 212, Chrome 158, Android 121, Apple TV 64, Plex Web 40 plays.
    expect([0, 1, 2, 3].map((i) => [textOf(ops, `platforms.${i}.name`), textOf(ops, `platforms.${i}.value`)])).toEqual([
      ['Roku', '212 plays'],
      ['Chrome', '158 plays'],
      ['Android', '121 plays'],
      ['Apple TV', '64 plays'],
    ]);
    expect(textOf(ops, 'platforms.4.name')).toBeUndefined();
    const fractions = ops.filter((o): o is RectOp => o.op === 'rect' && /^platforms\.\d\.bar$/.test(o.tag ?? '')).map((o) => o.value);
    expect(fractions).toEqual([1, 158 / 212, 121 / 212, 64 / 212]);
  });

  it('counts plays with the language plural rules', () => {
    const one = withHistory({ topPlatforms: [{ platform: 'Roku', plays: 1, watchTimeS: 60 }] });
    expect(textOf(stats(one), 'platforms.0.value')).toBe('1 play');
    expect(textOf(stats(one, 'fr'), 'platforms.0.value')).toBe('1 lecture');
    expect(textOf(stats(sampleSnapshot(), 'de'), 'platforms.0.value')).toBe('212 Wiedergaben');
  });
});

describe('recently added, when the owner opts in', () => {
  it('counts the items per day in the configured zone, newest day first', () => {
    // The demo items were added 2, 5, 26, 30, 74 and 98 hours before 14:05 UTC on 22 November.
    expect(textOf(stats(sampleSnapshot()), 'recent.days')).toBe('today: 2 · yesterday: 2 · Nov 19: 1');
    // At UTC+14 it is already 04:05 on the 23rd: 2 h ago is today, 5 and 26 h ago yesterday (the 22nd).
    expect(textOf(stats(sampleSnapshot(), 'en', 'Pacific/Kiritimati'), 'recent.days')).toBe('today: 1 · yesterday: 2 · Nov 21: 1');
    expect(textOf(stats(sampleSnapshot(), 'fr'), 'recent.days')).toBe('aujourd\u2019hui : 2 · hier : 2 · 19 nov. : 1');
  });

  it('shows a poster per item that fits, captioned with its title, or with its day when titles are withheld', () => {
    const posters = new Map(r.postersFor('stats', typeOnlySnapshot()).map((t) => [t, Buffer.alloc(0)]));
    expect([...posters.keys()]).toEqual([401, 402, 403, 404, 405, 406].map((id) => `/library/metadata/${id}/thumb/1`));
    const ops = r.layout(input({ template: 'stats', snapshot: typeOnlySnapshot(), posters })).ops;
    const images = ops.filter((o) => o.op === 'image').map((o) => (o.op === 'image' ? o.ref : ''));
    expect(images).toEqual([401, 402, 403, 404, 405].map((id) => `/library/metadata/${id}/thumb/1`));
    expect([0, 1, 2, 3, 4].map((i) => textOf(ops, `recent.${i}.caption`))).toEqual(['today', 'today', 'yesterday', 'yesterday', 'Nov 19']);
    const shown = stats(sampleSnapshot());
    // Cut to its tile; the whole title is what was fitted.
    expect(texts(shown).find((o) => o.tag === 'recent.0.caption')?.full).toBe('Paper Moons');
  });

  it('is not drawn under the default policy: the library fills its slot', () => {
    const policy = {
      userNames: 'hidden',
      watching: 'type-only',
      thumbnails: 'blur',
      roundCounts: false,
      roundBandwidthKbps: 0,
      nowPlayingDelayS: 0,
    } as const;
    const masked = applyPrivacy(sampleSnapshot(), policy, 'a-test-secret-of-enough-length');
    const ops = stats(masked);
    expect(ops.some((o) => o.tag?.startsWith('recent'))).toBe(false);
    expect(textOf(ops, 'library.movies')).toBe('1,234');
    expect(r.postersFor('stats', masked)).toEqual([]);
    // Opted in, the same snapshot shows them.
    const optedIn = stats(applyPrivacy(sampleSnapshot(), { ...policy, recentlyAdded: true }, 'a-test-secret-of-enough-length'));
    expect(textOf(optedIn, 'recent.days')).toBe('today: 2 · yesterday: 2 · Nov 19: 1');
    expect(optedIn.some((o) => o.tag === 'library.movies')).toBe(false);
  });
});

describe('the data inventory', () => {
  it('knows what the stats image draws, so minimisation keeps "recently added" for it', () => {
    const fields = templateFields(r.templates.get('stats')!, r.catalogue);
    for (const f of ['library.recentlyAdded', 'history.topPlatforms', 'history.playsByHour', 'history.playsByWeekday']) {
      expect(fields.has(f), f).toBe(true);
    }
  });
});
