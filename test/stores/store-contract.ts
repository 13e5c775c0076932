import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { snapshotSchema, type HistoryPoint, type Snapshot } from '../../src/snapshot/schema.js';
import type { SnapshotStore } from '../../src/stores/store.js';
import { sampleCycle, sampleSnapshot } from '../support/sample-snapshot.js';

export interface StoreUnderTest {
  store: SnapshotStore;
  /** Called after each test (close handles, delete temp files). */
  cleanup?: () => unknown;
}

/** A cycle no test of the single-key contract writes: another server's data, an hour earlier. */
const elsewhere = (i: number): { snapshot: Snapshot; point: HistoryPoint } => {
  const c = sampleCycle(i, Date.UTC(2025, 0, 15, 11, 0, 0), 7_000);
  c.snapshot.state = 'offline';
  c.point.streams = 90 + i;
  return c;
};

/**
 * How a test reaches the key under test: the store object itself (the one server of a one-server
 * Marquee, 'default'), or another server's view while the other keys hold data of their own.
 */
const keyings: { label: string; view(root: SnapshotStore): SnapshotStore; others: string[] }[] = [
  { label: 'the store itself', view: (root) => root, others: [] },
  {
    label: "forServer('home') beside data of 'default', '4k' and '_network'",
    view: (root) => root.forServer('home'),
    others: ['default', '4k', '_network'],
  },
];

/**
 * The behaviour every SnapshotStore must share, whatever backs it. Each test gets a fresh,
 * empty store from `factory`. Stores that cache reads must still show their own writes.
 * Every single-key case runs on the store itself and on a server's view with the other keys
 * filled, so any leak between keys fails them; the keyed cases follow.
 */
export function describeStoreContract(name: string, factory: () => Promise<StoreUnderTest> | StoreUnderTest): void {
  for (const keying of keyings) describeOneKey(`${name}, ${keying.label}`, factory, keying);
  describeKeys(name, factory);
}

function describeOneKey(name: string, factory: () => Promise<StoreUnderTest> | StoreUnderTest, keying: (typeof keyings)[number]): void {
  describe(`SnapshotStore contract: ${name}`, () => {
    let sut: StoreUnderTest;
    let store: SnapshotStore;

    beforeEach(async () => {
      sut = await factory();
      for (const [i, key] of keying.others.entries()) {
        const c = elsewhere(i);
        await sut.store.forServer(key).write(c.snapshot, c.point);
      }
      store = keying.view(sut.store);
    });

    afterEach(async () => {
      await store.close();
      await sut.store.close();
      await sut.cleanup?.();
    });

    it('reports its kind', () => {
      expect(['sqlite', 'sheets']).toContain(store.kind);
    });

    it('returns null and no history when nothing was written', async () => {
      expect(await store.latest()).toBeNull();
      expect(await store.history(0)).toEqual([]);
    });

    it('round-trips a snapshot exactly', async () => {
      const { snapshot, point } = sampleCycle(0);
      expect(snapshotSchema.safeParse(snapshot).success).toBe(true);
      await store.write(snapshot, point);
      expect(await store.latest()).toEqual(snapshot);
      expect(await store.history(0)).toEqual([point]);
    });

    it('keeps strings that look like numbers, booleans or formulas as strings', async () => {
      const snapshot = sampleSnapshot();
      snapshot.activity!.streams[0]!.watching!.title = '=1+1';
      snapshot.activity!.streams[1]!.watching!.title = '00123';
      snapshot.library!.sections[0]!.name = 'TRUE';
      await store.write(snapshot, sampleCycle(0).point);
      const back = await store.latest();
      expect(back?.activity?.streams[0]?.watching?.title).toBe('=1+1');
      expect(back?.activity?.streams[1]?.watching?.title).toBe('00123');
      expect(back?.library?.sections[0]?.name).toBe('TRUE');
    });

    it('returns the most recent snapshot after several writes', async () => {
      for (let i = 0; i < 3; i++) {
        const c = sampleCycle(i);
        await store.write(c.snapshot, c.point);
      }
      expect(await store.latest()).toEqual(sampleCycle(2).snapshot);
    });

    it('shrinks cleanly when the next snapshot has fewer fields', async () => {
      const big = sampleCycle(0);
      await store.write(big.snapshot, big.point);
      const small = sampleCycle(1);
      small.snapshot.library = null;
      small.snapshot.activity!.streams = [];
      small.snapshot.metrics = {};
      await store.write(small.snapshot, small.point);
      expect(await store.latest()).toEqual(small.snapshot);
    });

    it('returns history oldest first, filtered by since and limited to the newest points', async () => {
      const cycles = Array.from({ length: 6 }, (_, i) => sampleCycle(i));
      for (const c of cycles) await store.write(c.snapshot, c.point);
      const points = cycles.map((c) => c.point);
      expect(await store.history(0)).toEqual(points);
      expect(await store.history(points[2]!.at)).toEqual(points.slice(2));
      expect(await store.history(points[2]!.at + 1)).toEqual(points.slice(3));
      expect(await store.history(0, 2)).toEqual(points.slice(4));
      expect(await store.history(points[5]!.at + 1)).toEqual([]);
    });

    it('does not duplicate the history point when the same cycle is written twice', async () => {
      const a = sampleCycle(0);
      const b = sampleCycle(1);
      await store.write(a.snapshot, a.point);
      await store.write(b.snapshot, b.point);
      await store.write(b.snapshot, b.point);
      expect(await store.history(0)).toEqual([a.point, b.point]);
      expect(await store.latest()).toEqual(b.snapshot);
    });

    it('reports ok health after successful writes and reads', async () => {
      const c = sampleCycle(0);
      await store.write(c.snapshot, c.point);
      await store.latest();
      const h = store.health();
      expect(h.status).toBe('ok');
      expect(h.lastSuccessAt).not.toBeNull();
    });
  });
}

/** Several servers in one store (issue 20): each key is a store of its own on one connection. */
function describeKeys(name: string, factory: () => Promise<StoreUnderTest> | StoreUnderTest): void {
  describe(`SnapshotStore contract: ${name}, two server keys`, () => {
    let sut: StoreUnderTest;
    let root: SnapshotStore;

    beforeEach(async () => {
      sut = await factory();
      root = sut.store;
    });

    afterEach(async () => {
      await root.close();
      await sut.cleanup?.();
    });

    it('keeps each key to itself: no key sees what another wrote', async () => {
      const home = root.forServer('home');
      const fourK = root.forServer('4k');
      const h = sampleCycle(0);
      await home.write(h.snapshot, h.point);
      expect(await home.latest()).toEqual(h.snapshot);
      expect(await fourK.latest()).toBeNull();
      expect(await fourK.history(0)).toEqual([]);
      expect(await root.latest()).toBeNull();
      expect(await root.forServer('_network').latest()).toBeNull();
    });

    it("leaves the other key's latest and history untouched by a write, even one of the same moment", async () => {
      const home = root.forServer('home');
      const fourK = root.forServer('4k');
      const h0 = sampleCycle(0);
      const h1 = sampleCycle(1);
      await home.write(h0.snapshot, h0.point);
      await home.write(h1.snapshot, h1.point);
      // The 4K server's cycle is taken at the very moment of the home server's last one: a store
      // keyed by cycle time alone would overwrite one with the other.
      const k = elsewhere(0);
      k.snapshot.takenAt = h1.snapshot.takenAt;
      k.point.at = h1.point.at;
      await fourK.write(k.snapshot, k.point);
      expect(await home.latest()).toEqual(h1.snapshot);
      expect(await home.history(0)).toEqual([h0.point, h1.point]);
      expect(await fourK.latest()).toEqual(k.snapshot);
      expect(await fourK.history(0)).toEqual([k.point]);
    });

    it('holds a newer cycle of one key beside an older one of another', async () => {
      const home = root.forServer('home');
      const network = root.forServer('_network');
      const n = sampleCycle(5);
      const h = sampleCycle(1);
      await network.write(n.snapshot, n.point);
      await home.write(h.snapshot, h.point);
      expect(await network.latest()).toEqual(n.snapshot);
      expect(await home.latest()).toEqual(h.snapshot);
    });

    it("is the 'default' key itself, and a key's view is the same from any view", async () => {
      const c = sampleCycle(0);
      await root.write(c.snapshot, c.point);
      expect(await root.forServer('default').latest()).toEqual(c.snapshot);
      const k = sampleCycle(1);
      await root.forServer('home').forServer('4k').write(k.snapshot, k.point);
      expect(await root.forServer('4k').latest()).toEqual(k.snapshot);
      expect(await root.forServer('4k').forServer('default').latest()).toEqual(c.snapshot);
    });

    it.each(['', 'Home', 'home/4k', '../x', '-home', 'network', ' default', 'a'.repeat(33)])(
      'refuses %j as a key (the network is _network, a server a lower-case slug)',
      (key) => {
        if (key === 'network') {
          // A slug like any other: a server may be called "network"; the network's own key differs.
          expect(() => root.forServer(key)).not.toThrow();
          return;
        }
        expect(() => root.forServer(key)).toThrow(/not a server id/);
      },
    );

    it("shares the store's connection: closing a view closes nothing, and health is the store's", async () => {
      const home = root.forServer('home');
      await home.close();
      const c = sampleCycle(0);
      await root.forServer('home').write(c.snapshot, c.point);
      await root.write(c.snapshot, c.point);
      expect(await home.latest()).toEqual(c.snapshot);
      expect(home.health()).toEqual(root.health());
      expect(root.forServer('4k').health().status).toBe('ok');
    });
  });
}
