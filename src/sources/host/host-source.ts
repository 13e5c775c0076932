import { uptime } from 'node:os';
import si from 'systeminformation';
import type { Host } from '../../snapshot/schema.js';
import { runSource, type SourceResult } from '../result.js';

/** The part of systeminformation we use, injectable so drills can make it throw or hang. */
export type SystemInfo = Pick<
  typeof si,
  'currentLoad' | 'cpuTemperature' | 'mem' | 'fsSize' | 'networkStats' | 'processLoad' | 'cpu'
>;

export interface HostSourceOptions {
  timeoutMs: number;
  systemInfo?: SystemInfo;
}

/** Real file systems only: containers and snaps mount dozens of overlays and squashfs images. */
const REAL_FS = /^(ext[234]|xfs|btrfs|zfs|f2fs|ntfs|ntfs3|fuseblk|vfat|exfat|apfs|hfs|nfs4?|cifs|smb3|fuse\.mergerfs|fuse\.shfs)$/i;

const TRANSCODER = 'Plex Transcoder';

export function readHost(options: HostSourceOptions): Promise<SourceResult<Host>> {
  const sys = options.systemInfo ?? si;
  return runSource(() => withTimeout(collect(sys), options.timeoutMs));
}

async function collect(sys: SystemInfo): Promise<Host> {
  const [load, cpu, temp, mem, disks, net, transcoder] = await Promise.all([
    sys.currentLoad(),
    sys.cpu(),
    sys.cpuTemperature().catch(() => null),
    sys.mem(),
    sys.fsSize().catch(() => []),
    sys.networkStats().catch(() => []),
    sys.processLoad(TRANSCODER).catch(() => []),
  ]);
  const seen = new Set<string>();
  const realDisks = disks.filter((d) => REAL_FS.test(d.type) && d.size > 0 && !seen.has(d.fs) && seen.add(d.fs));
  const rate = (v: number | null | undefined) => (typeof v === 'number' && v > 0 ? v : 0);
  return {
    cpu: {
      loadPct: round1(load.currentLoad),
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
    transcoderRunning: transcoder.some((p) => (p.pid ?? 0) > 0 || (p.pids?.length ?? 0) > 0),
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
