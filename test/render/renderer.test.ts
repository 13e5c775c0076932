import { PNG } from 'pngjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DrawOp, Renderer } from '../../src/render/index.js';
import type { RectOp, TextOp } from '../../src/render/drawlist.js';
import { input, pngChunks, repoRenderer } from './helpers.js';
import { NOW, sampleSnapshot } from './sample.js';

let r: Renderer;
beforeAll(() => {
  r = repoRenderer();
});

const texts = (ops: DrawOp[]): TextOp[] => ops.filter((o): o is TextOp => o.op === 'text');
const byTag = (ops: DrawOp[], tag: string): DrawOp | undefined => ops.find((o) => o.tag === tag);

describe('render (signature)', () => {
  it('renders a 600x200 PNG at scale 1 and 1200x400 at scale 2', async () => {
    for (const scale of [1, 2] as const) {
      const img = await r.render(input({ params: { scale } }));
      const png = PNG.sync.read(img.png);
      expect([png.width, png.height]).toEqual([600 * scale, 200 * scale]);
      expect([img.width, img.height]).toEqual([600 * scale, 200 * scale]);
    }
  });

  it('writes no metadata chunks', async () => {
    const img = await r.render(input());
    const chunks = pngChunks(img.png);
    expect(chunks[0]).toBe('IHDR');
    expect(chunks.at(-1)).toBe('IEND');
    for (const meta of ['tEXt', 'iTXt', 'zTXt', 'eXIf', 'tIME', 'pHYs']) expect(chunks).not.toContain(meta);
  });

  it('gives the same bytes for the same input', async () => {
    const a = await r.render(input());
    const b = await r.render(input());
    expect(a.png.equals(b.png)).toBe(true);
  });

  it('uses the same layout at scale 2', () => {
    const one = r.layout(input());
    const two = r.layout(input({ params: { scale: 2 } }));
    expect(two.ops).toEqual(one.ops);
    expect(two.scale).toBe(2);
  });
});

describe('layout (signature)', () => {
  it('lists the streams with titles, markers and progress bars', () => {
    const ops = r.layout(input()).ops;
    expect((byTag(ops, 'nowplaying.0.title') as TextOp).text).toBe('The Long Voyage Home');
    expect((byTag(ops, 'nowplaying.1.subtitle') as TextOp).text).toBe('Northern Lights · bob');
    expect(byTag(ops, 'nowplaying.1.decision.transcode')).toBeDefined();
    expect(byTag(ops, 'nowplaying.0.decision.directPlay')).toBeDefined();
    expect((byTag(ops, 'nowplaying.2.decision.directStream') as TextOp).text).toBe('Direct Stream');
    const bars = ops.filter((o): o is RectOp => o.op === 'rect' && /^nowplaying\.\d\.progress$/.test(o.tag ?? ''));
    expect(bars.map((b) => b.value)).toEqual([0.42, 0.8, 0.1]);
  });

  it('formats stats and the library line', () => {
    const ops = r.layout(input()).ops;
    expect((byTag(ops, 'bandwidth.value') as TextOp).text).toBe('12.8 Mb/s');
    expect((byTag(ops, 'cpu.value') as TextOp).text).toBe('38%');
    expect((byTag(ops, 'library') as TextOp).text).toBe('1,234 movies · 156 shows · 8,765 episodes · 48.2 TB on disk');
    expect((byTag(ops, 'footer') as TextOp).text).toBe('updated 2:04 PM');
    expect(byTag(ops, 'pill.busy')).toBeDefined();
  });

  it('honours locale and time zone', () => {
    const ops = r.layout(input({ params: { scale: 1, locale: 'de-DE', timeZone: 'Europe/Berlin' } })).ops;
    expect((byTag(ops, 'library') as TextOp).text).toContain('1.234 Filme');
    expect((byTag(ops, 'footer') as TextOp).text).toBe('aktualisiert 15:04');
  });

  it('marks stale data by age and by source status', () => {
    const fresh = r.layout(input());
    expect(fresh.stale).toBe(false);
    expect(byTag(fresh.ops, 'stale-marker')).toBeUndefined();
    const old = r.layout(input({ snapshot: sampleSnapshot({ takenAt: NOW - 3_600_000 }) }));
    expect(old.stale).toBe(true);
    expect(byTag(old.ops, 'stale-marker')).toBeDefined();
    expect((byTag(old.ops, 'footer.stale') as TextOp).text).toContain('stale 1h');
    const s = sampleSnapshot();
    const src = sampleSnapshot({ sources: { ...s.sources, tautulli: { status: 'stale', updatedAt: NOW - 600_000, durationMs: 1 } } });
    expect(r.layout(input({ snapshot: src })).stale).toBe(true);
  });

  it('renders missing sections as an em dash and a null snapshot without crashing', async () => {
    const ops = r.layout(input({ snapshot: sampleSnapshot({ activity: null, host: null, library: null }) })).ops;
    expect((byTag(ops, 'cpu.value') as TextOp).text).toBe('—');
    expect((byTag(ops, 'streams.value') as TextOp).text).toBe('—');
    expect((byTag(ops, 'nowplaying.empty') as TextOp).text).toBe('No current activity data');
    const none = r.layout(input({ snapshot: null, history: [] }));
    expect(none.stale).toBe(true);
    expect(texts(none.ops).some((t) => t.text.includes('no data'))).toBe(true);
    const img = await r.render(input({ snapshot: null, history: [] }));
    expect(img.width).toBe(600);
  });
});

describe('renderError', () => {
  it('draws the message in the requested template size and theme', async () => {
    const img = await r.renderError({ template: 'signature', theme: 'dark', scale: 2, message: 'Plex unreachable' });
    const png = PNG.sync.read(img.png);
    expect([png.width, png.height]).toEqual([1200, 400]);
  });

  it('never throws, even for an unknown theme and silly sizes', async () => {
    const img = await r.renderError({ theme: 'nope', width: -5, height: 1e9, message: 'x'.repeat(5000) });
    expect(img.png.length).toBeGreaterThan(0);
  });
});
