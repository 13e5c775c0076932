import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { snapshotSchema } from '../../src/snapshot/schema.js';
import type { SnapshotStore } from '../../src/stores/store.js';
import { sampleCycle, sampleSnapshot } from '../support/sample-snapshot.js';

export interface StoreUnderTest {
  store: SnapshotStore;
  /** Called after each test (close handles, delete temp files). */
  cleanup?: () => unknown;
}

/**
 * The behaviour every SnapshotStore must share, whatever backs it. Each test gets a fresh,
 * empty store from `factory`. Stores that cache reads must still show their own writes.
 */
export function describeStoreContract(name: string, factory: () => Promise<StoreUnderTest> | StoreUnderTest): void {
  describe(`SnapshotStore contract: ${name}`, () => {
    let sut: StoreUnderTest;
    let store: SnapshotStore;

    beforeEach(async () => {
      sut = await factory();
      store = sut.store;
    });

    afterEach(async () => {
      await store.close();
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
