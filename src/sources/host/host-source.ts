import { uptime } from 'node:os';
import si from 'systeminformation';
import type { Host } from '../../snapshot/schema.js';
import { runSource, type SourceResult } from '../result.js';
import { REAL_FS } from './filesystems.js';
import { lastGood } from './last-good.js';
import { cpuLoadMeter, processRunning } from './native.js';

/** The part of systeminformation we use, injectable so drills can make it throw or hang. */
export type SystemInfo = Pick<typeof si, 'currentLoad' | 'cpuTemperature' | 'mem' | 'fsSize' | 'networkStats' | 'processLoad' | 'cpu'>;

export interface HostSourceOptions {
  timeoutMs: number;
  /**
   * Replaces systeminformation (drills make it throw or hang). Unset, CPU load and the transcoder
   * check are read without child processes (native.ts) and the rest through systeminformation.
   */
  systemInfo?: SystemInfo;
  /** Monotonic milliseconds, for the age of reused slow readings; tests pin it. */
  clock?: () => number;
}

const TRANSCODER = 'Plex Transcoder';

/**
 * How long a slow reading may be reused. Each of these calls shells out (lscpu, df, the hwmon
 * loop plus `sensors`, `ip route`) and together they cost ~250 ms of child processes per cycle;
 * what they report changes far more slowly than the 30 s collection schedule:
 * - the core count only changes with a reboot;
 * - disk usage moves by a fraction of a percent in minutes on the disks a media server has;
 * - a temperature reading is kept for two default cycles; a machine where no sensor answered
 *   (VMs, most containers) is asked again only every ten minutes;
 * - the default network interface changes with the routing table, i.e. almost never. Byte rates
 *   are still measured every cycle, on that interface.
 */
export const REUSE_MS = {
  cpuInfo: 60 * 60_000,
  disks: 5 * 60_000,
  temperature: 60_000,
  noTemperatureSensor: 10 * 60_000,
  defaultInterface: 10 * 60_000,
} as const;

/**
 * A host reader that keeps its slow readings between calls (see REUSE_MS). Load, memory, network
 * rates and the transcoder check are read on every call. Create one per collector.
 */
export function createHostReader(options: HostSourceOptions): () => Promise<SourceResult<Host>> {
  const sys = options.systemInfo ?? si;
  const clock = options.clock ?? (() => performance.now());
  const cpu = lastGood(
    () => sys.cpu(),
    () => REUSE_MS.cpuInfo,
    clock,
  );
  const disks = lastGood(
    () => sys.fsSize(),
    () => REUSE_MS.disks,
    clock,
  );
  const temperature = lastGood(
    () => sys.cpuTemperature(),
    (t) => (typeof t.main === 'number' && t.main > 0 ? REUSE_MS.temperature : REUSE_MS.noTemperatureSensor),
    clock,
  );
  let defaultInterface: { name: string; at: number } | undefined;
  // networkStats() without an interface finds the default one with `ip route` through execSync,
  // blocking the event loop; naming the interface skips that and reads the same counters.
  const network = async () => {
    const known = defaultInterface && clock() - defaultInterface.at < REUSE_MS.defaultInterface ? defaultInterface.name : undefined;
    const stats = await (known ? sys.networkStats(known) : sys.networkStats());
    const found = stats.length === 1 ? stats[0]?.iface : undefined;
    if (!known && found) defaultInterface = { name: found, at: clock() };
    return stats;
  };
  const viaSystemInfo = (name: string) =>
    sys.processLoad(name).then((list) => list.some((p) => (p.pid ?? 0) > 0 || (p.pids?.length ?? 0) > 0));
  const transcoderRunning = options.systemInfo
    ? viaSystemInfo
    : async (name: string) => (await processRunning(name)) ?? viaSystemInfo(name);
  const meter = options.systemInfo ? undefined : cpuLoadMeter();
  const loadPct = meter ? async () => meter() : () => sys.currentLoad().then((l) => l.currentLoad);
  const start = (): Readings => ({
    transcoder: attempt(() => transcoderRunning(TRANSCODER)).catch(() => false),
    net: attempt(network).catch(() => []),
    temp: temperature.get().catch(() => null),
    disks: disks.get().catch(() => []),
    cpu: cpu.get(),
    load: attempt(loadPct),
    mem: attempt(() => sys.mem()),
  });
  return () => runSource(() => withTimeout(collect(start()), options.timeoutMs));
}

/** A call that throws instead of rejecting becomes a rejection, so every promise already started
 *  in the same reading is still awaited (and none is left to reject unhandled). */
function attempt<T>(call: () => Promise<T>): Promise<T> {
  try {
    return call();
  } catch (err) {
    return Promise.reject(err);
  }
}

/** One reading with nothing reused; the collector uses createHostReader. */
export function readHost(options: HostSourceOptions): Promise<SourceResult<Host>> {
  return createHostReader(options)();
}

type Readings = {
  transcoder: Promise<boolean>;
  net: ReturnType<SystemInfo['networkStats']>;
  temp: Promise<Awaited<ReturnType<SystemInfo['cpuTemperature']>> | null>;
  disks: ReturnType<SystemInfo['fsSize']>;
  cpu: ReturnType<SystemInfo['cpu']>;
  load: Promise<number>;
  mem: ReturnType<SystemInfo['mem']>;
};

async function collect(readings: Readings): Promise<Host> {
  const [transcoder, net, temp, disks, cpu, load, mem] = await Promise.all([
    readings.transcoder,
    readings.net,
    readings.temp,
    readings.disks,
    readings.cpu,
    readings.load,
    readings.mem,
  ]);
  const seen = new Set<string>();
  const realDisks = disks.filter((d) => REAL_FS.test(d.type) && d.size > 0 && !seen.has(d.fs) && seen.add(d.fs));
  const rate = (v: number | null | undefined) => (typeof v === 'number' && v > 0 ? v : 0);
  return {
    cpu: {
      loadPct: round1(load),
      cores: cpu.cores,
      temperatureC: temp && typeof temp.main === 'number' && temp.main > 0 ? round1(temp.main) : null,
    },
    // "available" counts reclaimable page cache as free, as `free -h` and every dashboard do.
    memory: { usedBytes: mem.total - mem.available, totalBytes: mem.total },
    disks: realDisks.map((d) => ({ mount: d.mount, usedBytes: d.used, totalBytes: d.size })),
    network: {
      rxBytesPerS: Math.round(net.reduce((n, i) => n + rate(i.rx_sec), 0)),
      txBytesPerS: Math.round(net.reduce((n, i) => n + rate(i.tx_sec), 0)),
    },
    // os.uptime() reads /proc/uptime; systeminformation's time() runs `date` through execSync every
    // call, which stalled the event loop (HTTP serving) by 130-350 ms per collection cycle.
    uptimeS: Math.round(uptime()),
    transcoderRunning: transcoder,
  };
}

const round1 = (n: number) => Math.round(n * 10) / 10;

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`host metrics took longer than ${ms} ms`), { code: 'ETIMEDOUT' })), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
