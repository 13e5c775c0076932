import { describe, expect, it } from 'vitest';
import { deriveState, mergeSnapshot, type SourceResults } from '../../src/snapshot/merge.js';
import { snapshotSchema } from '../../src/snapshot/schema.js';
import { sampleSnapshot } from '../support/sample-snapshot.js';

const thresholds = {
  busyStreams: 3,
  overloadedStreams: 6,
  busyTranscodes: 2,
  overloadedTranscodes: 4,
  busyCpuPct: 70,
  overloadedCpuPct: 90,
};
const base = sampleSnapshot();

function okResults(): SourceResults {
  return {
    plex: { ok: true, data: base.library!, durationMs: 3 },
    tautulli: { ok: true, data: { activity: base.activity!, history: base.history! }, durationMs: 4 },
    host: { ok: true, data: base.host!, durationMs: 5 },
  };
}

describe('merging source results into a snapshot', () => {
  it('produces a valid, versioned snapshot when every source answers', () => {
    const s = mergeSnapshot({ takenAt: 1000, results: okResults(), previous: null, thresholds });
    expect(snapshotSchema.parse(s)).toEqual(s);
    expect(Object.values(s.sources).map((x) => x.status)).toEqual(['ok', 'ok', 'ok']);
  });

  it('carries a failed source’s last good data forward, marked stale with its original time', () => {
    const first = mergeSnapshot({ takenAt: 1000, results: okResults(), previous: null, thresholds });
    const results = {
      ...okResults(),
      tautulli: { ok: false as const, error: { code: 'missing' as const, message: 'gone' }, durationMs: 1 },
    };
    const second = mergeSnapshot({ takenAt: 2000, results, previous: first, thresholds });
    expect(second.sources.tautulli).toMatchObject({ status: 'stale', updatedAt: 1000, error: { code: 'missing' } });
    expect(second.activity).toEqual(first.activity);
    expect(second.sources.plex).toMatchObject({ status: 'ok', updatedAt: 2000 });
  });

  it('reports an error with no data when a source has never answered', () => {
    const results = { ...okResults(), plex: { ok: false as const, error: { code: 'corrupt' as const, message: 'bad' }, durationMs: 1 } };
    const s = mergeSnapshot({ takenAt: 1000, results, previous: null, thresholds });
    expect(s.sources.plex.status).toBe('error');
    expect(s.library).toBeNull();
    expect(s.state).toBe('offline');
  });
});

describe('hostile strings from a source', () => {
  /** Every string in a value, found by walking it here rather than by the sanitiser. */
  const strings = (v: unknown): string[] =>
    typeof v === 'string' ? [v] : v && typeof v === 'object' ? Object.values(v).flatMap(strings) : [];

  it('caps every string of every source result and metric at 256 code units and strips controls', () => {
    const huge = 'x'.repeat(200_000);
    const results = structuredClone(okResults());
    const tautulli = results.tautulli.ok ? results.tautulli.data : null;
    tautulli!.activity = {
      ...tautulli!.activity,
      streams: tautulli!.activity.streams.map((st) => ({
        ...st,
        watching: { title: huge, grandparentTitle: 'Show\u202egnp.exe', year: 2020, thumb: null },
        viewer: { name: `\u202e${huge}` },
      })),
    };
    const plex = results.plex.ok ? results.plex.data : null;
    plex!.sections = plex!.sections.map((sec) => ({ ...sec, name: `${sec.name}\u2066${huge}` }));
    const host = results.host.ok ? results.host.data : null;
    host!.disks = [{ mount: `/mnt/${huge}`, usedBytes: 1, totalBytes: 2 }];
    const metrics = { titles: { status: 'ok' as const, value: [{ title: huge }, 'tab\there'] } };
    const s = mergeSnapshot({ takenAt: 1000, results, previous: null, thresholds, metrics });
    const all = strings(s);
    expect(all.length).toBeGreaterThan(20);
    expect(Math.max(...all.map((x) => x.length))).toBeLessThanOrEqual(256);
    expect(all.filter((x) => /[\u202e\u2066\t]/.test(x))).toEqual([]);
    expect(s.activity!.streams[0]!.watching!.title).toBe(`${'x'.repeat(255)}…`);
    expect(s.activity!.streams[0]!.watching!.grandparentTitle).toBe('Showgnp.exe');
    expect((s.metrics.titles!.value as unknown[])[1]).toBe('tab here');
  });
});

describe('server state', () => {
  const withLoad = (streams: number, transcode: number, cpu: number) => ({
    ...base,
    activity: { ...base.activity!, streamCount: streams, transcode },
    host: { ...base.host!, cpu: { ...base.host!.cpu, loadPct: cpu } },
  });
  it.each([
    [0, 0, 5, 'online'],
    [3, 0, 5, 'busy'],
    [1, 2, 5, 'busy'],
    [1, 0, 75, 'busy'],
    [6, 0, 5, 'overloaded'],
    [2, 4, 5, 'overloaded'],
    [1, 0, 95, 'overloaded'],
  ] as const)('%i streams, %i transcodes, %i%% CPU -> %s', (streams, transcode, cpu, state) => {
    expect(deriveState(withLoad(streams, transcode, cpu), thresholds)).toBe(state);
  });
});
