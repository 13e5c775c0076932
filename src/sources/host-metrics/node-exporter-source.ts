import type { Host } from '../../snapshot/schema.js';
import { runSource, type SourceResult } from '../result.js';
import { readExposition } from './exposition.js';
import { readNode, WANTED, type NodeReading } from './node-metrics.js';
import { metricsUrl, scrape } from './scrape.js';

/**
 * The Plex host's hardware read from a Prometheus node_exporter (`host.url`), for a Marquee that
 * runs on another machine than Plex: the local reader would report Marquee's own container.
 */
export interface NodeExporterOptions {
  /** node_exporter's address, e.g. http://plex-host:9100 (a bare origin means its /metrics). */
  url: string;
  /** Time limit of one read: connection, answer and parse (config collector.sourceTimeoutMs). */
  timeoutMs: number;
  /** node_exporter's own basic auth (--web.config.file basic_auth_users). Sent as a header, never logged. */
  basicAuth?: { username: string; password: string };
  /** PEM file of a CA to trust besides the system's, for an endpoint with a self-signed certificate. */
  caFile?: string;
  /** Larger answers are refused (default DEFAULT_MAX_BODY_BYTES). */
  maxBodyBytes?: number;
  /**
   * Network devices whose bytes make the throughput. Unset: every device but loopback and virtual
   * ones (node-metrics.ts VIRTUAL_INTERFACE), i.e. the physical ports.
   */
  interfaces?: readonly string[];
  /** Monotonic milliseconds, for the time between two scrapes (network rates); tests pin it. */
  clock?: () => number;
}

/**
 * A default node_exporter answers 50-400 kB. A Docker host with a thousand veth interfaces adds
 * about 2 MB (some 30 netdev and netclass series an interface, ~60 bytes each: an estimate, not a
 * measurement), so 8 MiB leaves room while bounding what a wrong or hostile URL can make us hold.
 */
export const DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024;

/** CPU seconds (summed over cores) under which a window says nothing: the first scrape's boot average is used. Same as native.ts. */
const MIN_WINDOW_S = 0.5;

/**
 * node_boot_time_seconds is /proc/stat's btime, which the kernel derives from the wall clock and
 * which wanders by a second as NTP slews it; a reboot moves it by at least the previous uptime.
 */
const BOOT_TIME_JITTER_S = 2;

/** What a rate is taken against: the previous good scrape of this reader. */
interface Previous {
  at: number;
  reading: NodeReading;
}

/**
 * A reader of one node_exporter. It keeps the previous scrape's counters, so CPU load and network
 * throughput are rates over the time between two calls; the first call (and the first after a
 * reboot) reads CPU load since boot and a throughput of 0, as the local reader does. Create one per
 * host and call it once per cycle; calls must not overlap.
 *
 * transcoderRunning is always false: node_exporter reports no process names (its processes
 * collector counts processes by state only).
 *
 * Throws only on options a config check should have refused (a URL that is not http(s) or carries
 * credentials); every fault of a read is a SourceResult error.
 */
export function createNodeExporterReader(options: NodeExporterOptions): () => Promise<SourceResult<Host>> {
  const target = {
    url: metricsUrl(options.url),
    timeoutMs: options.timeoutMs,
    maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    basicAuth: options.basicAuth,
    caFile: options.caFile,
  };
  const clock = options.clock ?? (() => performance.now());
  let previous: Previous | undefined;
  return () =>
    runSource(async () => {
      const at = clock();
      const reading = readNode(readExposition(await scrape(target), WANTED), options.interfaces);
      const since = previous && sameBoot(previous.reading, reading) ? previous : undefined;
      previous = { at, reading };
      return toHost(reading, since, at);
    });
}

/** Whether two readings come from one boot, so their counters can be subtracted. */
function sameBoot(before: NodeReading, now: NodeReading): boolean {
  return (
    Math.abs(now.bootTimeS - before.bootTimeS) <= BOOT_TIME_JITTER_S &&
    now.cpu.cores === before.cpu.cores &&
    now.cpu.allS >= before.cpu.allS &&
    now.cpu.busyS >= before.cpu.busyS
  );
}

function toHost(now: NodeReading, since: Previous | undefined, at: number): Host {
  return {
    cpu: { loadPct: round1(cpuLoadPct(now, since?.reading)), cores: now.cpu.cores, temperatureC: now.temperatureC },
    memory: now.memory,
    disks: now.disks,
    network: since ? byteRates(now, since, at) : { rxBytesPerS: 0, txBytesPerS: 0 },
    uptimeS: Math.max(0, Math.round(now.timeS - now.bootTimeS)),
    transcoderRunning: false,
  };
}

function cpuLoadPct(now: NodeReading, before: NodeReading | undefined): number {
  let { busyS, allS } = now.cpu;
  if (before && allS - before.cpu.allS >= MIN_WINDOW_S) {
    busyS -= before.cpu.busyS;
    allS -= before.cpu.allS;
  }
  return allS > 0 ? (100 * busyS) / allS : 0;
}

/** Bytes per second per direction over the counted interfaces; one whose counter went back (re-created) adds 0. */
function byteRates(now: NodeReading, since: Previous, at: number): Host['network'] {
  const seconds = (at - since.at) / 1000;
  let rx = 0;
  let tx = 0;
  for (const [device, c] of now.net) {
    const before = since.reading.net.get(device);
    if (!before) continue;
    rx += Math.max(0, c.rx - before.rx);
    tx += Math.max(0, c.tx - before.tx);
  }
  if (!(seconds > 0)) return { rxBytesPerS: 0, txBytesPerS: 0 };
  return { rxBytesPerS: Math.round(rx / seconds), txBytesPerS: Math.round(tx / seconds) };
}

const round1 = (n: number) => Math.round(n * 10) / 10;
