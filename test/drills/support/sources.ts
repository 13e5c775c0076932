import type { CycleDeps } from '../../../src/collector/cycle.js';
import type { Collection } from '../../../src/wiring/collecting.js';
import type { Collector } from '../../../src/collector/collector.js';
import type { SystemInfo } from '../../../src/sources/host/host-source.js';
import { createSourceReader, type SourcesConfig } from '../../../src/sources/read-all.js';

export type HostMode = 'ok' | 'throw' | 'reject' | 'hang';

/**
 * A systeminformation stand-in. The real one takes 0.2-2 s per cycle on a busy machine (it shells
 * out), which would make twenty fault cycles slow; 'throw' throws synchronously, 'reject' fails
 * the promise, 'hang' never settles (the host source's timeout must cut it off).
 */
export function fakeSystemInfo(mode: () => HostMode): SystemInfo {
  const answer = <T>(value: T): Promise<T> => {
    const m = mode();
    if (m === 'throw') throw new Error('systeminformation exploded');
    if (m === 'reject') return Promise.reject(new Error('systeminformation failed'));
    if (m === 'hang') return new Promise<T>(() => undefined);
    return Promise.resolve(value);
  };
  const fake = {
    currentLoad: () => answer({ currentLoad: 12.5 }),
    cpu: () => answer({ cores: 4 }),
    cpuTemperature: () => answer({ main: 48 }),
    mem: () => answer({ total: 16 * 2 ** 30, available: 10 * 2 ** 30 }),
    fsSize: () => answer([{ fs: '/dev/sda1', type: 'ext4', mount: '/', size: 10 ** 12, used: 4 * 10 ** 11 }]),
    networkStats: () => answer([{ rx_sec: 1000, tx_sec: 2000 }]),
    processLoad: () => answer([]),
  };
  return fake as unknown as SystemInfo;
}

/**
 * createMarquee has no hook for an injected systeminformation or source options, so drills swap
 * the collector's source reader in place (the deps object is plain data; `private` is TS-only).
 */
export function swapSourceReader(collector: Collector | Collection, config: SourcesConfig): void {
  (collector as unknown as { deps: CycleDeps }).deps.readSources = createSourceReader(config);
}
