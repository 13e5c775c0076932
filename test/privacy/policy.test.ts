import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_USERS } from '../../fixtures/generator/index.js';
import { applyPrivacy, initialsOf, madeUnder, minimise, policyStamp, pseudonymOf, type PrivacyPolicy } from '../../src/privacy/policy.js';
import type { Snapshot, Stream } from '../../src/snapshot/schema.js';
import { FIXTURE_NOW_MS } from '../support/fixtures.js';
import { startTestMarquee } from '../support/marquee-instance.js';
import { sampleSnapshot } from '../support/sample-snapshot.js';

const base: PrivacyPolicy = {
  userNames: 'hidden',
  watching: 'type-only',
  thumbnails: 'blur',
  roundCounts: false,
  roundBandwidthKbps: 0,
  nowPlayingDelayS: 0,
};
const SECRET = 'a-test-secret-of-enough-length';
const fresh = (): Snapshot => {
  const s = sampleSnapshot();
  return { ...s, sources: { ...s.sources, tautulli: { status: 'ok', updatedAt: s.takenAt, durationMs: 1 } } };
};
const apply = (policy: Partial<PrivacyPolicy>, s = fresh()) => applyPrivacy(s, { ...base, ...policy }, SECRET);
const viewerNames = (s: Snapshot) => [
  ...s.activity!.streams.map((x) => x.viewer?.name ?? null),
  ...s.history!.topUsers.map((u) => u.viewer?.name ?? null),
];

describe('privacy policy: user names', () => {
  const real = viewerNames(fresh());

  it('hides them by default', () => {
    expect(viewerNames(apply({})).every((n) => n === null)).toBe(true);
  });
  it('shows initials', () => {
    expect(viewerNames(apply({ userNames: 'initials' }))).toEqual(real.map((n) => n && initialsOf(n)));
    expect(initialsOf('alice.moreau')).toBe('A.M.');
  });
  it('pseudonymises stably, and differently under another secret', () => {
    const names = viewerNames(apply({ userNames: 'pseudonym' }));
    expect(names).toEqual(real.map((n) => n && pseudonymOf(n, SECRET)));
    expect(names.some((n) => n !== null && real.includes(n))).toBe(false);
    expect(pseudonymOf('alice', SECRET)).toBe(pseudonymOf('alice', SECRET));
    expect(pseudonymOf('alice', SECRET)).not.toBe(pseudonymOf('alice', 'another-secret-of-length'));
  });
  it('shows them only when the admin opts in', () => {
    expect(viewerNames(apply({ userNames: 'shown' }))).toEqual(real);
  });
  it('never masks data carried over from a previous cycle twice', () => {
    const once = apply({ userNames: 'pseudonym' });
    const carried = { ...once, sources: { ...once.sources, tautulli: { ...once.sources.tautulli, status: 'stale' as const } } };
    expect(viewerNames(apply({ userNames: 'pseudonym' }, carried))).toEqual(viewerNames(once));
  });
});

describe('privacy policy: what is watched', () => {
  it('shows titles only when set to shown', () => {
    expect(apply({ watching: 'shown' }).activity!.streams.some((s) => s.watching?.title)).toBe(true);
  });
  it('keeps only the kind of media for type-only', () => {
    const s = apply({ watching: 'type-only' });
    expect(s.activity!.streams.every((x) => x.watching === null && x.kind !== 'other')).toBe(true);
    expect(s.history!.topMovies).toEqual([]);
    expect(s.library!.recentlyAdded.every((r) => r.watching === null)).toBe(true);
  });
  it('hides even the kind when hidden', () => {
    expect(apply({ watching: 'hidden' }).activity!.streams.every((x) => x.watching === null && x.kind === 'other')).toBe(true);
  });
  it('drops poster paths when thumbnails are hidden', () => {
    expect(apply({ watching: 'shown', thumbnails: 'hide' }).activity!.streams.every((x) => x.watching?.thumb === null)).toBe(true);
  });
});

describe('privacy policy: posters without titles', () => {
  // Written out here: two streams with posters, one from a private section (the source sends it
  // without `watching`), and a recently added film.
  const withPosters = (): Snapshot => {
    const s = fresh();
    const film = { title: 'The Long Voyage Home', grandparentTitle: null, year: 1940, thumb: '/library/metadata/101/thumb/1' };
    const episode = { title: 'Pilot', grandparentTitle: 'Northern Lights', year: 2021, thumb: '/library/metadata/202/thumb/2' };
    const [a, b] = s.activity!.streams as [Stream, Stream];
    s.activity!.streams = [
      { ...a, kind: 'movie', watching: film },
      { ...b, kind: 'episode', watching: episode },
      { ...a, kind: 'movie', watching: null },
    ];
    s.library!.recentlyAdded = [{ kind: 'movie', addedAt: s.takenAt - 60_000, sectionId: 1, watching: film }];
    return s;
  };
  const words = ['The Long Voyage Home', 'Voyage', 'Pilot', 'Northern Lights', '1940', '2021'];

  it('keeps the thumb path, and nothing else of what plays, under type-only with blurred thumbnails', () => {
    const s = apply({ watching: 'type-only', thumbnails: 'blur', recentlyAdded: true }, withPosters());
    expect(s.activity!.streams.map((x) => [x.watching, x.poster])).toEqual([
      [null, '/library/metadata/101/thumb/1'],
      [null, '/library/metadata/202/thumb/2'],
      // The private section's stream came without a title and leaves without a poster.
      [null, null],
    ]);
    expect(s.library!.recentlyAdded.map((r) => [r.watching, r.poster])).toEqual([[null, '/library/metadata/101/thumb/1']]);
    const json = JSON.stringify(s.activity) + JSON.stringify(s.library);
    expect(words.filter((w) => json.includes(w))).toEqual([]);
  });

  it.each<[string, Partial<PrivacyPolicy>]>([
    ['type-only with hidden thumbnails', { watching: 'type-only', thumbnails: 'hide' }],
    ['type-only with unblurred thumbnails (a clear poster names the film)', { watching: 'type-only', thumbnails: 'show' }],
    ['hidden', { watching: 'hidden', thumbnails: 'blur' }],
  ])('keeps neither title nor thumb under %s', (_what, policy) => {
    const s = apply({ ...policy, recentlyAdded: true }, withPosters());
    const json = JSON.stringify(s.activity) + JSON.stringify(s.library);
    expect(json).not.toContain('/library/metadata/');
    expect(words.filter((w) => json.includes(w))).toEqual([]);
  });

  it('keeps the thumb with the title, and no second copy, when titles are shown', () => {
    const s = apply({ watching: 'shown', thumbnails: 'blur' }, withPosters());
    expect(s.activity!.streams.map((x) => [x.watching?.thumb ?? null, x.poster])).toEqual([
      ['/library/metadata/101/thumb/1', null],
      ['/library/metadata/202/thumb/2', null],
      [null, null],
    ]);
  });

  it('drops the poster with the rest when no image draws streams', () => {
    const s = minimise(apply({}, withPosters()), new Set(['activity.streams']));
    expect(s.activity!.streams.every((x) => x.poster === null)).toBe(true);
  });
});

describe('privacy policy: recently added, an opt-in', () => {
  const withRecent = (): Snapshot => {
    const s = fresh();
    const item = (sectionId: number, title: string) => ({
      kind: 'movie' as const,
      addedAt: s.takenAt - 3_600_000,
      sectionId,
      watching: { title, grandparentTitle: null, year: 2001, thumb: `/library/metadata/${sectionId}/thumb/1` },
    });
    s.library!.sections = [
      { ...s.library!.sections[0]!, id: 1, private: false },
      { ...s.library!.sections[0]!, id: 2, private: true },
    ];
    s.library!.recentlyAdded = [item(1, 'Public Film'), item(2, 'Home Video')];
    return s;
  };

  it('empties the list unless the owner opts in (the default)', () => {
    expect(apply({}, withRecent()).library!.recentlyAdded).toEqual([]);
    expect(apply({ watching: 'shown', recentlyAdded: false }, withRecent()).library!.recentlyAdded).toEqual([]);
  });

  it("opted in, keeps the public sections' items, masked as the policy says", () => {
    const shown = apply({ watching: 'shown', recentlyAdded: true }, withRecent()).library!.recentlyAdded;
    expect(shown.map((r) => r.watching?.title)).toEqual(['Public Film']);
    const typeOnly = apply({ recentlyAdded: true }, withRecent()).library!.recentlyAdded;
    expect(typeOnly.map((r) => [r.kind, r.watching, r.poster])).toEqual([['movie', null, '/library/metadata/1/thumb/1']]);
  });

  it('changes the stamp, so data collected under the other choice is not carried over', () => {
    expect(policyStamp({ ...base, recentlyAdded: true }, SECRET)).not.toBe(policyStamp(base, SECRET));
    expect(policyStamp({ ...base, recentlyAdded: false }, SECRET)).toBe(policyStamp(base, SECRET));
  });
});

describe('privacy policy: generalisation', () => {
  it('rounds counts to two significant digits', () => {
    const totals = apply({ roundCounts: true }).library!.totals;
    expect(Object.values(totals).every((n) => n < 100 || Number(n.toPrecision(2)) === n)).toBe(true);
  });
  it('rounds bandwidth to the configured step', () => {
    const a = apply({ roundBandwidthKbps: 5000 }).activity!;
    expect([a.bandwidthKbps.total, ...a.streams.map((s) => s.bandwidthKbps)].every((n) => n % 5000 === 0)).toBe(true);
  });
  it('replaces host mount paths with neutral disk names', () => {
    const s = fresh();
    s.host!.disks = [
      { mount: '/mnt/user/Family Videos', usedBytes: 1, totalBytes: 2 },
      { mount: 'C:\\Users\\alice', usedBytes: 3, totalBytes: 4 },
    ];
    expect(apply({ watching: 'shown', userNames: 'shown' }, s).host!.disks).toEqual([
      { mount: 'disk 1', usedBytes: 1, totalBytes: 2 },
      { mount: 'disk 2', usedBytes: 3, totalBytes: 4 },
    ]);
  });
  it('removes private sections entirely', () => {
    const s = fresh();
    s.library!.sections[0]!.private = true;
    expect(apply({}, s).library!.sections.map((x) => x.id)).not.toContain(s.library!.sections[0]!.id);
  });
  it('drops identifying lists that no image draws', () => {
    const s = minimise(apply({ userNames: 'shown', watching: 'shown' }), new Set(['history.topUsers', 'activity.streams']));
    expect(s.history!.topUsers).toEqual([]);
    expect(s.activity!.streams.every((x) => x.viewer === null && x.watching === null)).toBe(true);
  });
});

describe('privacy policy: a delay before a stream shows', () => {
  const T = fresh().takenAt;
  const st = (over: Partial<Stream>): Stream => ({
    kind: 'movie',
    state: 'playing',
    decision: 'direct play',
    progress: 0.5,
    durationMs: 6_000_000,
    bandwidthKbps: 1000,
    location: 'lan',
    watching: { title: 'A Film', grandparentTitle: null, year: 2000, thumb: null },
    viewer: { name: 'alice' },
    ...over,
  });
  // A film resumed 10 s ago at 90% (position 90 min), and an episode started an hour ago at 1%.
  const resumed = st({ startedAt: T - 10_000, progress: 0.9, decision: 'transcode', location: 'wan', bandwidthKbps: 4000 });
  const longRunning = st({ startedAt: T - 3_600_000, progress: 0.01, state: 'paused', bandwidthKbps: 2000 });
  const withStreams = (...streams: Stream[]): Snapshot => {
    const s = fresh();
    s.activity = {
      streamCount: 2,
      directPlay: 1,
      directStream: 0,
      transcode: 1,
      playing: 1,
      paused: 1,
      bandwidthKbps: { total: 6000, lan: 2000, wan: 4000 },
      streams,
    };
    return s;
  };

  it('counts time since the stream started, not the playback position, and leaves hidden streams out of every count', () => {
    const a = apply({ nowPlayingDelayS: 60, watching: 'shown' }, withStreams(resumed, longRunning)).activity!;
    expect(a.streams.map((x) => x.progress)).toEqual([0.01]);
    expect(a).toMatchObject({
      streamCount: 1,
      directPlay: 1,
      directStream: 0,
      transcode: 0,
      playing: 0,
      paused: 1,
      bandwidthKbps: { total: 2000, lan: 2000, wan: 0 },
    });
  });

  it('shows a stream once the delay has passed, and never publishes when it started', () => {
    const a = apply({ nowPlayingDelayS: 10, watching: 'shown' }, withStreams(resumed, longRunning)).activity!;
    expect(a.streams).toHaveLength(2);
    expect(a.streams.every((x) => !('startedAt' in x))).toBe(true);
  });

  it('holds back a stream whose start the source does not know', () => {
    const a = apply({ nowPlayingDelayS: 60 }, withStreams(st({}), longRunning)).activity!;
    expect(a.streamCount).toBe(1);
  });
});

describe('privacy policy: stream runtimes', () => {
  const durations = (s: Snapshot) => s.activity!.streams.map((x) => x.durationMs);
  const exact = durations(fresh());

  it('keeps the exact runtime only beside a shown title', () => {
    expect(exact.every((d) => typeof d === 'number' && d > 0)).toBe(true);
    expect(durations(apply({ watching: 'shown' }))).toEqual(exact);
    expect(durations(apply({ watching: 'type-only' })).every((d) => d === null)).toBe(true);
    expect(durations(apply({ watching: 'hidden' })).every((d) => d === null)).toBe(true);
  });

  it('drops the runtime of a stream from a private section (the source sends it without a title)', () => {
    const s = fresh();
    s.activity!.streams[0] = { ...s.activity!.streams[0]!, watching: null };
    expect(durations(apply({ watching: 'shown' }, s))[0]).toBeNull();
  });

  it('drops the runtime with the title when no image draws streams', () => {
    const s = minimise(apply({ watching: 'shown' }), new Set(['activity.streams']));
    expect(durations(s).every((d) => d === null)).toBe(true);
  });
});

describe('privacy policy: the stamp on what it produced', () => {
  const full: PrivacyPolicy = { ...base, privateSections: ['Home videos', 7] };
  const changes: [string, Partial<PrivacyPolicy>][] = [
    ['user names', { userNames: 'shown' }],
    ['what is watched', { watching: 'shown' }],
    ['thumbnails', { thumbnails: 'hide' }],
    ['rounded counts', { roundCounts: true }],
    ['rounded bandwidth', { roundBandwidthKbps: 1000 }],
    ['the delay', { nowPlayingDelayS: 30 }],
    ['a section made private', { privateSections: ['Home videos', 7, 'Movies'] }],
    ['a section id given as a string', { privateSections: ['Home videos', '7'] }],
  ];

  it.each(changes)('changes with %s', (_what, change) => {
    expect(policyStamp({ ...full, ...change }, SECRET)).not.toBe(policyStamp(full, SECRET));
  });

  it('changes with the pseudonym secret, and not with the order of private sections', () => {
    expect(policyStamp(full, 'another-secret-of-enough-length')).not.toBe(policyStamp(full, SECRET));
    expect(policyStamp({ ...full, privateSections: [7, 'Home videos'] }, SECRET)).toBe(policyStamp(full, SECRET));
  });

  it('is what the masked snapshot carries, and says nothing readable about the policy', () => {
    const s = applyPrivacy(fresh(), full, SECRET);
    expect(madeUnder(s, full, SECRET)).toBe(true);
    expect(madeUnder(s, { ...full, userNames: 'initials' }, SECRET)).toBe(false);
    expect(madeUnder(fresh(), full, SECRET)).toBe(false);
    expect(s.privacy).toMatch(/^[A-Za-z0-9_-]{16,}$/);
    expect(s.privacy).not.toMatch(/hidden|Home|type/);
  });
});

describe('an admin who opts in', () => {
  let marquee: Awaited<ReturnType<typeof startTestMarquee>>;
  beforeAll(async () => {
    marquee = await startTestMarquee({
      profile: 'demo',
      clock: () => FIXTURE_NOW_MS,
      yaml: 'privacy:\n  userNames: shown\n  watching: shown\n',
    });
  });
  afterAll(async () => marquee?.stop());

  it('sees real names in the stores, the JSON and the draw list (so the default-policy checks can fail)', async () => {
    const names = DEMO_USERS.map((u) => u.friendlyName);
    const json = await (await fetch(`${marquee.url}/i/nowplaying.json`)).text();
    expect(names.some((n) => json.includes(n))).toBe(true);
    expect(names.some((n) => JSON.stringify(marquee.stores.sqlite.db.prepare('SELECT json FROM latest_snapshot').get()).includes(n))).toBe(
      true,
    );
    const list = JSON.stringify(
      marquee.renderer.layout({
        snapshot: marquee.collector.latest,
        history: [],
        template: 'nowplaying',
        theme: 'dark',
        params: { scale: 1 },
        now: FIXTURE_NOW_MS,
        staleAfterMs: 300_000,
      }),
    );
    const titles = marquee.collector.latest!.activity!.streams.map((s) => s.watching?.title).filter(Boolean) as string[];
    expect(titles.some((t) => list.includes(t.slice(0, 6)))).toBe(true);
  });
});
