import { afterEach, describe, expect, it } from 'vitest';
import { Collector } from '../../src/collector/collector.js';
import { NetworkCollection, worstState } from '../../src/collector/network-collector.js';
import { halfHourMaxima } from '../../src/snapshot/sparkline.js';
import { createLogger } from '../../src/logging/logger.js';
import type { PrivacyPolicy } from '../../src/privacy/policy.js';
import type { SourceResults } from '../../src/snapshot/merge.js';
import type { HistoryPoint } from '../../src/snapshot/schema.js';

/**
 * The network's collection (issue 20) over servers whose sources answer when the test says: one
 * slow server holds back the network's snapshot, never another server's cycles.
 */
const policy: PrivacyPolicy = {
  userNames: 'hidden',
  watching: 'type-only',
  thumbnails: 'blur',
  roundCounts: false,
  roundBandwidthKbps: 0,
  nowPlayingDelayS: 0,
};
const thresholds = {
  busyStreams: 3,
  overloadedStreams: 8,
  busyTranscodes: 2,
  overloadedTranscodes: 4,
  busyCpuPct: 70,
  overloadedCpuPct: 90,
};
const unconfigured = { ok: false as const, error: { code: 'unconfigured' as const, message: 'not configured' }, durationMs: 0 };
const nothing: SourceResults = { plex: unconfigured, tautulli: unconfigured, host: unconfigured };
const logger = createLogger('silent');

/** A server whose every read waits for `release` when `slow`; `reads` counts the cycles begun. */
function server(id: string, slow: boolean) {
  let release: () => void = () => {};
  const gate = slow ? new Promise<void>((resolve) => (release = resolve)) : Promise.resolve();
  const counts = { reads: 0 };
  const collector = new Collector({
    readSources: async () => {
      counts.reads++;
      await gate;
      return nothing;
    },
    stores: [],
    thresholds,
    privacy: policy,
    pseudonymSecret: 'network-collector-test-0001',
    unneededFields: new Set(),
    logger,
    clock: Date.now,
    keepRaw: true,
  });
  return { id, name: id.toUpperCase(), collector, counts, release: () => release(), history: async (): Promise<HistoryPoint[]> => [] };
}

let stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(stops.map((s) => s()));
  stops = [];
});

describe('NetworkCollection', () => {
  it('keeps collecting the other servers on schedule while one is stuck, and builds the network once it answers', async () => {
    const slow = server('slow', true);
    const fast = server('fast', false);
    const network = new NetworkCollection({
      servers: [slow, fast],
      stores: [],
      privacy: policy,
      pseudonymSecret: 'x'.repeat(16),
      unneededFields: new Set(),
      logger,
      clock: Date.now,
    });
    stops.push(async () => {
      slow.release();
      await network.stop();
    });
    network.start('* * * * * *', logger);
    // Three ticks of a one-second schedule.
    await new Promise((resolve) => setTimeout(resolve, 3_300));
    expect(slow.counts.reads).toBe(1);
    expect(fast.counts.reads).toBeGreaterThanOrEqual(2);
    expect(fast.collector.latest).not.toBeNull();
    expect(network.latest).toBeNull();
    slow.release();
    const snapshot = await network.collect();
    expect(snapshot.network).toMatchObject({ servers: 2 });
    expect(snapshot.network!.rows.map((r) => r.name)).toEqual(['SLOW', 'FAST']);
  }, 10_000);
});

describe('the network state and sparklines', () => {
  it('is the worst state of the servers that answer, offline only when none does', () => {
    expect(worstState(['online', 'busy', 'offline'])).toBe('busy');
    expect(worstState(['overloaded', 'busy'])).toBe('overloaded');
    expect(worstState(['offline', 'offline'])).toBe('offline');
  });

  it('takes the highest count of each half hour of the last 24 hours, oldest first', () => {
    const now = Date.UTC(2026, 11, 7, 12);
    const at = (minutesAgo: number, streams: number) => ({
      at: now - minutesAgo * 60_000,
      streams,
      transcodes: 0,
      bandwidthKbps: 0,
      cpuPct: null,
      memPct: null,
      temperatureC: null,
    });
    const slots = halfHourMaxima([at(0, 4), at(10, 6), at(29, 1), at(31, 3), at(24 * 60 - 1, 2), at(24 * 60 + 1, 9)], now);
    expect(slots).toHaveLength(48);
    // Written out: the last half hour (0-30 min ago) holds 4, 6 and 1; the one before it 3; the first 2; 9 is older than a day.
    expect(slots[47]).toBe(6);
    expect(slots[46]).toBe(3);
    expect(slots[0]).toBe(2);
    expect(slots.reduce((a, b) => a + b, 0)).toBe(6 + 3 + 2);
  });
});
