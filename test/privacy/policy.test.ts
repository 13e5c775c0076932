import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_USERS } from '../../fixtures/generator/index.js';
import { applyPrivacy, initialsOf, minimise, pseudonymOf, type PrivacyPolicy } from '../../src/privacy/policy.js';
import type { Snapshot } from '../../src/snapshot/schema.js';
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

describe('privacy policy: generalisation', () => {
  it('rounds counts to two significant digits', () => {
    const totals = apply({ roundCounts: true }).library!.totals;
    expect(Object.values(totals).every((n) => n < 100 || Number(n.toPrecision(2)) === n)).toBe(true);
  });
  it('rounds bandwidth to the configured step', () => {
    const a = apply({ roundBandwidthKbps: 5000 }).activity!;
    expect([a.bandwidthKbps.total, ...a.streams.map((s) => s.bandwidthKbps)].every((n) => n % 5000 === 0)).toBe(true);
  });
  it('delays streams until they have played long enough', () => {
    const s = apply({ nowPlayingDelayS: 10 ** 9 });
    expect(s.activity!.streams).toEqual([]);
    expect(s.activity!.streamCount).toBe(fresh().activity!.streamCount);
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
