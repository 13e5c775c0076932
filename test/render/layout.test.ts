import { beforeAll, describe, expect, it } from 'vitest';
import type { DrawOp, Renderer } from '../../src/render/index.js';
import type { ArcOp, RectOp, TextOp } from '../../src/render/drawlist.js';
import { createMeasurer, registerFonts } from '../../src/render/fonts.js';
import { layoutError } from '../../src/render/layout/error.js';
import { formatter, input, repoRenderer, root } from './helpers.js';
import { NOW, sampleSnapshot, stream } from './sample.js';

/** Draw-list assertions: which texts, which bars at which values, for given snapshots. */
let r: Renderer;
beforeAll(() => {
  r = repoRenderer();
});

const tagged = <T extends DrawOp>(ops: DrawOp[], tag: string): T => {
  const op = ops.find((o) => o.tag === tag);
  if (!op)
    throw new Error(
      `no op tagged ${tag}; have ${ops
        .map((o) => o.tag)
        .filter(Boolean)
        .join(', ')}`,
    );
  return op as T;
};
const withStreams = (...streams: ReturnType<typeof stream>[]) => {
  const s = sampleSnapshot();
  return sampleSnapshot({ activity: { ...s.activity!, streamCount: streams.length, streams } });
};

describe('text that could break the picture', () => {
  const long = 'The Extraordinarily Long and Winding Title of a Film That Nobody Could Ever Fit on One Line, Director’s Cut';

  it('truncates long titles with an ellipsis inside their box, in every template with a list', () => {
    const m = createMeasurer();
    for (const template of ['signature', 'card', 'nowplaying', 'og']) {
      const snap = withStreams(stream({ watching: { title: long, grandparentTitle: null, year: 2001, thumb: null } }));
      const title = tagged<TextOp>(r.layout(input({ template, snapshot: snap })).ops, 'nowplaying.0.title');
      expect(title.truncated, template).toBe(true);
      expect(title.text.endsWith('…')).toBe(true);
      expect(title.full).toBe(long);
      const w = r.templates.get(template)!.widgets.find((x) => x.spec.type === 'nowplaying')!.spec;
      expect(m.width(title.text, title.font)).toBeLessThanOrEqual(w.w);
    }
  });

  it('keeps Cyrillic, Greek, CJK and emoji titles intact when they fit', () => {
    for (const t of ['Сталкер', 'Ζορμπάς', '千と千尋の神隠し', 'Coco 🎸']) {
      const snap = withStreams(stream({ watching: { title: t, grandparentTitle: null, year: 2001, thumb: null } }));
      const op = tagged<TextOp>(r.layout(input({ snapshot: snap })).ops, 'nowplaying.0.title');
      expect(op.text).toBe(t);
      expect(op.truncated).toBe(false);
    }
  });

  it('never splits an emoji or a combining accent when truncating', () => {
    const t = `${'🎬'.repeat(60)}e\u0301`;
    const snap = withStreams(stream({ watching: { title: t, grandparentTitle: null, year: null, thumb: null } }));
    const op = tagged<TextOp>(r.layout(input({ snapshot: snap })).ops, 'nowplaying.0.title');
    expect(op.text.endsWith('…')).toBe(true);
    expect(op.text).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
  });
});

describe('now playing and privacy', () => {
  it('says only the kind when the title is withheld, and no name when the viewer is hidden', () => {
    const snap = withStreams(stream({ kind: 'episode', watching: null, viewer: null, state: 'paused' }));
    const ops = r.layout(input({ snapshot: snap })).ops;
    expect(tagged<TextOp>(ops, 'nowplaying.kinds').text).toBe('1 episode');
    expect(tagged<TextOp>(ops, 'nowplaying.how').text).toBe('1 Direct Play · 1 paused');

    expect(tagged<RectOp>(ops, 'nowplaying.0.placeholder')).toBeDefined();
  });

  it('draws a poster only when the caller has its bytes', () => {
    const posters = new Map([['/library/metadata/101/thumb/1', Buffer.from('x')]]);
    const ops = r.layout(input({ posters })).ops;
    expect(ops.filter((o) => o.op === 'image').map((o) => o.tag)).toEqual(['nowplaying.0.poster']);
  });

  it('folds overflow into "+N more"', () => {
    const many = withStreams(...Array.from({ length: 7 }, () => stream()));
    const sig = r.layout(input({ snapshot: many })).ops;
    expect(tagged<TextOp>(sig, 'nowplaying.more').text).toBe('+5 more');
    const card = r.layout(input({ template: 'card', snapshot: many })).ops;
    expect(tagged<TextOp>(card, 'nowplaying.0.subtitle').text).toContain('+6 more');
  });

  it('says nothing is playing for an empty list', () => {
    const ops = r.layout(input({ snapshot: withStreams() })).ops;
    expect(tagged<TextOp>(ops, 'nowplaying.empty').text).toBe('Nothing playing right now');
  });
});

describe('status, meters and charts', () => {
  it.each([
    ['online', 'ok'],
    ['busy', 'warn'],
    ['overloaded', 'bad'],
    ['offline', 'offline'],
  ] as const)('colours the %s pill with the theme %s colour', (state, role) => {
    const ops = r.layout(input({ snapshot: sampleSnapshot({ state }) })).ops;
    expect(tagged<TextOp>(ops, 'pill.label').colour).toEqual(r.themes.get('dark')!.colours[role]);
    expect(tagged<TextOp>(ops, 'pill.label').text).toBe(state.toUpperCase());
  });

  it('shows "plex | online" on the status badge and "stale" when stale', () => {
    const fresh = r.layout(input({ template: 'status', snapshot: sampleSnapshot({ state: 'online' }) })).ops;
    expect([tagged<TextOp>(fresh, 'badge.label').text, tagged<TextOp>(fresh, 'badge.message').text]).toEqual(['plex', 'online']);
    const old = r.layout(input({ template: 'status', snapshot: sampleSnapshot({ takenAt: NOW - 3_600_000 }) })).ops;
    expect(tagged<TextOp>(old, 'badge.message').text).toBe('stale');
  });

  it('puts gauges at their fraction and picks threshold colours', () => {
    const ops = r.layout(input({ template: 'og' })).ops;
    expect(tagged<ArcOp>(ops, 'cpu').value).toBeCloseTo(0.375);
    expect(tagged<TextOp>(ops, 'cpu.text').text).toBe('38%');
    expect(tagged<ArcOp>(ops, 'memory').value).toBeCloseTo(11.3 / 32);
    const hot = sampleSnapshot();
    hot.host!.cpu.loadPct = 95;
    expect(tagged<ArcOp>(r.layout(input({ template: 'og', snapshot: hot })).ops, 'cpu').colour).toEqual(r.themes.get('dark')!.colours.bad);
  });

  it('plots the sparkline over the window and draws only an axis without history', () => {
    const ops = r.layout(input()).ops;
    const line = ops.find((o) => o.op === 'poly' && o.tag === 'sparkline:series.streams');
    expect(line && line.op === 'poly' ? line.points.length / 2 : 0).toBe(289);
    const empty = r.layout(input({ history: [] })).ops;
    expect(empty.some((o) => o.tag === 'sparkline:series.streams')).toBe(false);
    expect(empty.some((o) => o.tag === 'sparkline:series.streams.axis')).toBe(true);
  });

  it('adds a corner stale flag to templates without a footer', () => {
    const old = sampleSnapshot({ takenAt: NOW - 3_600_000 });
    expect(r.layout(input({ template: 'userbar', snapshot: old })).ops.some((o) => o.tag === 'stale-marker')).toBe(true);
    expect(r.layout(input({ template: 'userbar' })).ops.some((o) => o.tag === 'stale-marker')).toBe(false);
  });
});

describe('error image layout', () => {
  it('names the reason, in the theme, at any size', () => {
    registerFonts(`${root}fonts`);
    const m = createMeasurer();
    const theme = r.themes.get('light')!;
    for (const [w, h] of [
      [600, 200],
      [350, 19],
      [120, 20],
      [1200, 630],
    ] as const) {
      const list = layoutError(theme, w, h, 1, 'Tautulli database locked', m, formatter('en'));
      expect(list.ops.find((o) => o.tag === 'panel')).toMatchObject({ fill: theme.background });
      expect(tagged<TextOp>(list.ops, 'error.message').full).toBe('Tautulli database locked');
    }
  });
});
