import { beforeAll, describe, expect, it } from 'vitest';
import type { DrawOp, Renderer } from '../../src/render/index.js';
import type { RectOp, TextOp } from '../../src/render/drawlist.js';
import type { Snapshot, Stream } from '../../src/snapshot/schema.js';
import { input, repoRenderer } from './helpers.js';
import { NOW, sampleSnapshot, stream } from './sample.js';

/**
 * What an image says under the default privacy policy (`watching: type-only`), in which words,
 * and what it refuses to say: old live numbers as current, or a sensor the host does not have.
 * Expected texts are written out by hand from the fixture streams.
 */
let r: Renderer;
beforeAll(() => {
  r = repoRenderer();
});

const texts = (ops: DrawOp[]): TextOp[] => ops.filter((o): o is TextOp => o.op === 'text');
const byTag = (ops: DrawOp[], tag: string): DrawOp | undefined => ops.find((o) => o.tag === tag);
const textOf = (ops: DrawOp[], tag: string): string => {
  const op = byTag(ops, tag);
  if (op?.op !== 'text')
    throw new Error(
      `no text tagged ${tag}; have ${ops
        .map((o) => o.tag)
        .filter(Boolean)
        .join(', ')}`,
    );
  return op.text;
};

/** Streams as the privacy step leaves them under type-only: no title, no viewer, no runtime. */
function typeOnly(streams: Stream[]): Snapshot {
  const s = sampleSnapshot();
  const masked = streams.map((st) => ({ ...st, watching: null, viewer: null, durationMs: null }));
  return sampleSnapshot({ activity: { ...s.activity!, streamCount: masked.length, streams: masked } });
}

const four = (): Stream[] => [
  stream({ kind: 'movie', decision: 'direct play', progress: 0.25 }),
  stream({ kind: 'episode', decision: 'transcode', progress: 0.5 }),
  stream({ kind: 'movie', decision: 'copy', progress: 0.75, state: 'paused' }),
  stream({ kind: 'track', decision: 'direct play', progress: 0.1 }),
];

describe('now playing under watching: type-only', () => {
  it('says what plays by kind and how, never "A movie" or "+N more"', () => {
    for (const template of ['signature', 'card', 'nowplaying', 'og']) {
      const ops = r.layout(input({ template, snapshot: typeOnly(four()) })).ops;
      expect(textOf(ops, 'nowplaying.kinds'), template).toBe('2 movies, 1 episode, 1 track');
      expect(textOf(ops, 'nowplaying.how'), template).toBe('1 Transcode · 1 Direct Stream · 2 Direct Plays · 1 paused');
      expect(
        texts(ops)
          .filter((t) => /^An? |more$/.test(t.text))
          .map((t) => t.text),
        template,
      ).toEqual([]);
    }
  });

  it('shows the progress of every stream, as tiles or as one segmented bar', () => {
    for (const template of ['signature', 'card', 'nowplaying', 'og']) {
      const ops = r.layout(input({ template, snapshot: typeOnly(four()) })).ops;
      const bars = ops.filter((o): o is RectOp => o.op === 'rect' && /^nowplaying\.\d\.progress$/.test(o.tag ?? ''));
      expect(
        bars.map((b) => b.value),
        template,
      ).toEqual([0.25, 0.5, 0.75, 0.1]);
    }
  });

  it('gives each stream a tile with its kind where a poster is not available', () => {
    const ops = r.layout(input({ template: 'og', snapshot: typeOnly(four()) })).ops;
    expect(ops.filter((o) => /^nowplaying\.\d\.kind\./.test(o.tag ?? '')).map((o) => o.tag)).toEqual([
      'nowplaying.0.kind.movie',
      'nowplaying.1.kind.episode',
      'nowplaying.2.kind.movie',
      'nowplaying.3.kind.track',
    ]);
    expect(textOf(ops, 'nowplaying.1.decision.transcode')).toBe('Transcode');
  });

  it('draws the poster the privacy step left without a title, and asks the poster cache for it', () => {
    const thumbs = ['/library/metadata/1/thumb/1', '/library/metadata/2/thumb/2', null, '/library/metadata/4/thumb/4'];
    const snapshot = typeOnly(four());
    snapshot.activity!.streams.forEach((st, i) => (st.poster = thumbs[i] ?? null));
    const posters = new Map(thumbs.filter((x): x is string => x !== null).map((t) => [t, Buffer.alloc(0)]));
    for (const template of ['nowplaying', 'og']) {
      expect(r.postersFor(template, snapshot), template).toEqual(thumbs.filter(Boolean));
      const ops = r.layout(input({ template, snapshot, posters })).ops;
      const drawn = ops.flatMap((o) => (o.op === 'image' ? [[o.tag, o.ref]] : []));
      expect(drawn, template).toEqual([
        ['nowplaying.0.poster', thumbs[0]],
        ['nowplaying.1.poster', thumbs[1]],
        ['nowplaying.3.poster', thumbs[3]],
      ]);
      // The stream without a poster keeps its kind.
      expect(byTag(ops, 'nowplaying.2.kind.movie'), template).toBeDefined();
    }
  });

  it('folds streams past the tiles that fit into one "+N more" tile', () => {
    const many = Array.from({ length: 9 }, (_, i) => stream({ kind: i % 2 ? 'episode' : 'movie' }));
    const ops = r.layout(input({ template: 'og', snapshot: typeOnly(many) })).ops;
    expect(textOf(ops, 'nowplaying.kinds')).toBe('5 movies, 4 episodes');
    expect(textOf(ops, 'nowplaying.more.text')).toMatch(/^\+\d( more)?$/);
    const tiles = ops.filter((o) => /^nowplaying\.\d\.placeholder$/.test(o.tag ?? '')).length;
    expect(textOf(ops, 'nowplaying.more.text')).toMatch(new RegExp(`^\\+${9 - tiles}( more)?$`));
  });
});

describe('one stream-type vocabulary', () => {
  it('names delivery as Plex and Tautulli do in every template, and never by one letter', () => {
    const words = new Set(['Direct Play', 'Direct Stream', 'Transcode']);
    for (const template of r.templates.keys()) {
      for (const snapshot of [sampleSnapshot(), typeOnly(four())]) {
        const ops = r.layout(input({ template, snapshot })).ops;
        for (const t of texts(ops)) {
          expect(['C', 'D', 'T'], `${template} ${t.tag}`).not.toContain(t.text);
          if (/\.decision\./.test(t.tag ?? '')) expect(words.has(t.text), `${template} ${t.tag} "${t.text}"`).toBe(true);
        }
      }
    }
  });
});

describe('never old live numbers as current', () => {
  const s = sampleSnapshot();
  const offline = sampleSnapshot({
    state: 'offline',
    sources: {
      ...s.sources,
      plex: { status: 'error', updatedAt: null, durationMs: 1 },
      tautulli: { status: 'stale', updatedAt: NOW - 600_000, durationMs: 1 },
    },
  });
  const hostStale = sampleSnapshot({ sources: { ...s.sources, host: { status: 'stale', updatedAt: NOW - 600_000, durationMs: 1 } } });
  const old = sampleSnapshot({ takenAt: NOW - 47 * 60_000 });

  it('withholds carried-over streams and bandwidth when Plex is offline, and says why', () => {
    const ops = r.layout(input({ template: 'signature', snapshot: offline })).ops;
    expect(textOf(ops, 'streams.value')).toBe('—');
    expect(textOf(ops, 'bandwidth.value')).toBe('—');
    expect(textOf(ops, 'nowplaying.empty')).toBe('Server offline');
    expect(texts(ops).some((t) => t.tag?.startsWith('nowplaying.0'))).toBe(false);
    expect(textOf(ops, 'pill.label')).toBe('OFFLINE');
    // Past counts are not live readings: the 24 h plays and the library stay.
    expect(textOf(ops, 'plays.value')).toBe('23');
  });

  it('withholds host readings its source did not take this cycle', () => {
    const ops = r.layout(input({ template: 'signature', snapshot: hostStale })).ops;
    expect(textOf(ops, 'cpu.value')).toBe('—');
    expect(textOf(ops, 'streams.value')).toBe('3');
  });

  it('treats everything live as unknown once the snapshot itself is old', () => {
    const ops = r.layout(input({ template: 'signature', snapshot: old })).ops;
    expect(textOf(ops, 'streams.value')).toBe('—');
    expect(textOf(ops, 'cpu.value')).toBe('—');
    expect(textOf(ops, 'nowplaying.empty')).toBe('No current activity data');
    expect(textOf(ops, 'pill.label')).toBe('STALE');
    expect(textOf(ops, 'footer.stale')).toBe('updated 1:18 PM · stale 47m');
  });
});

describe('a host without a temperature sensor', () => {
  const s = sampleSnapshot();
  const noSensor = sampleSnapshot({ host: { ...s.host!, cpu: { ...s.host!.cpu, temperatureC: null } } });

  it('leaves the temperature out and fills its slot with something the host has', () => {
    const og = r.layout(input({ template: 'og', snapshot: noSensor })).ops;
    expect(og.some((o) => o.tag?.startsWith('temperature'))).toBe(false);
    expect(textOf(og, 'uptime.value')).toBe('12d 5h');
    const health = r.layout(input({ template: 'health', snapshot: noSensor })).ops;
    expect(health.some((o) => o.tag?.startsWith('temperature'))).toBe(false);
    expect(textOf(health, 'upload.value')).toBe('1.5 MB/s');
  });

  it('shows the gauge when the host has a sensor', () => {
    const og = r.layout(input({ template: 'og' })).ops;
    expect(textOf(og, 'temperature.text')).toBe('58°C');
    expect(og.some((o) => o.tag === 'uptime.value')).toBe(false);
  });
});
