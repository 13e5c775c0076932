import type { Host } from '../../snapshot/schema.js';
import type { Families, Sample } from './exposition.js';
import { REAL_FS } from '../host/filesystems.js';

/*
 * What one node_exporter answer says about its host, before any rate is taken. Metric names,
 * labels and units are node_exporter's (collector/*.go in prometheus/node_exporter):
 * cpu_linux.go, meminfo.go + meminfo_linux.go, filesystem_common.go + filesystem_linux.go,
 * netdev_common.go, hwmon_linux.go, thermal_zone_linux.go, stat_linux.go and time.go. Linux
 * only: the BSD and macOS collectors name CPU modes and memory fields differently.
 */

export const METRIC = {
  cpu: 'node_cpu_seconds_total',
  memTotal: 'node_memory_MemTotal_bytes',
  memAvailable: 'node_memory_MemAvailable_bytes',
  bootTime: 'node_boot_time_seconds',
  time: 'node_time_seconds',
  fsSize: 'node_filesystem_size_bytes',
  fsFree: 'node_filesystem_free_bytes',
  rx: 'node_network_receive_bytes_total',
  tx: 'node_network_transmit_bytes_total',
  hwmonTemp: 'node_hwmon_temp_celsius',
  hwmonLabel: 'node_hwmon_sensor_label',
  hwmonChip: 'node_hwmon_chip_names',
  thermalZone: 'node_thermal_zone_temp',
} as const;

export const WANTED: ReadonlySet<string> = new Set(Object.values(METRIC));

/** The collector that writes each required family, for the message when it is missing. */
const COLLECTOR: Partial<Record<string, string>> = {
  [METRIC.cpu]: 'cpu',
  [METRIC.memTotal]: 'meminfo',
  [METRIC.memAvailable]: 'meminfo',
  [METRIC.bootTime]: 'stat',
  [METRIC.time]: 'time',
  [METRIC.rx]: 'netdev',
  [METRIC.tx]: 'netdev',
};

/**
 * CPU time that counts as busy, matching the local reader: os.cpus() (libuv reading /proc/stat)
 * reports user, nice, sys, irq and idle only, so iowait, softirq and steal are in neither the
 * busy nor the total time there, and the same host reads the same load either way.
 */
const BUSY_MODES: ReadonlySet<string> = new Set(['user', 'nice', 'system', 'irq']);

/**
 * Interfaces whose bytes also cross a physical one, or never leave the host: loopback, container
 * and VM plumbing (veth, docker0, br-*, virbr, Proxmox vmbr/tap/fw*, CNI plugins), bridges and
 * bonds over physical ports (Unraid's br0, Synology's ovs_eth0), VPN and overlay tunnels, and VLAN
 * sub-interfaces (eth0.10). Counting any of them beside the port under it would count bytes twice.
 */
const VIRTUAL_INTERFACE =
  /^(lo|veth|docker|br-|br\d|bridge|virbr|vmbr|vnet|tap|tun|fwbr|fwpr|fwln|wg|tailscale|zt|cni|flannel|cali|cilium|vxlan|kube|lxc|lxd|ovs|bond|team|dummy|ifb|sit|ip6tnl|gre|erspan|ipip|nlmon|shim|macvtap|podman|weave|genev)|[.@]/;

export interface NodeReading {
  bootTimeS: number;
  timeS: number;
  /** Seconds summed over all CPUs since boot: busy (BUSY_MODES) and busy + idle. */
  cpu: { busyS: number; allS: number; cores: number };
  memory: Host['memory'];
  disks: Host['disks'];
  /** Byte counters of the counted interfaces, by device. */
  net: ReadonlyMap<string, { rx: number; tx: number }>;
  temperatureC: number | null;
}

/** Throws with a message naming the metric (and its collector) when a required family is absent or unreadable. */
export function readNode(families: Families, interfaces?: readonly string[]): NodeReading {
  const counted = interfaces ? (device: string) => interfaces.includes(device) : (device: string) => !VIRTUAL_INTERFACE.test(device);
  return {
    bootTimeS: single(families, METRIC.bootTime),
    timeS: single(families, METRIC.time),
    cpu: cpuSeconds(required(families, METRIC.cpu)),
    memory: memory(families),
    disks: disks(families),
    net: byteCounters(families, counted),
    temperatureC: cpuTemperature(families),
  };
}

function required(families: Families, name: string): readonly Sample[] {
  const samples = families.get(name);
  if (!samples || samples.length === 0) {
    const collector = COLLECTOR[name];
    throw new Error(`node_exporter's answer has no ${name}${collector ? ` (is its ${collector} collector disabled?)` : ''}`);
  }
  return samples;
}

/** A value that must be a finite number of at least zero. */
function checked(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) throw new Error(`node_exporter's ${name} is not a usable number (${value})`);
  return value;
}

function single(families: Families, name: string): number {
  return checked(name, required(families, name)[0]?.value ?? NaN);
}

function cpuSeconds(samples: readonly Sample[]): NodeReading['cpu'] {
  let busyS = 0;
  let idleS = 0;
  const cpus = new Set<string>();
  for (const { labels, value } of samples) {
    const mode = labels.mode ?? '';
    cpus.add(labels.cpu ?? '');
    if (BUSY_MODES.has(mode)) busyS += checked(METRIC.cpu, value);
    else if (mode === 'idle') idleS += checked(METRIC.cpu, value);
  }
  return { busyS, allS: busyS + idleS, cores: cpus.size };
}

function memory(families: Families): Host['memory'] {
  const totalBytes = single(families, METRIC.memTotal);
  // "available" counts reclaimable page cache as free, as `free -h` and the local reader do.
  const availableBytes = single(families, METRIC.memAvailable);
  return { usedBytes: Math.max(0, totalBytes - availableBytes), totalBytes };
}

/**
 * Real file systems, one entry per device (a bind mount repeats its device: the shortest mount
 * point is kept), sorted by mount point. Used is size - free, as `df` counts it and so the local
 * reader: blocks reserved for root count as used. No filesystem collector: no disks.
 */
function disks(families: Families): Host['disks'] {
  const key = (l: Record<string, string>) => `${l.device}\0${l.mountpoint}\0${l.fstype}`;
  const free = new Map((families.get(METRIC.fsFree) ?? []).map((s) => [key(s.labels), s.value]));
  const byDevice = new Map<string, Host['disks'][number]>();
  for (const { labels, value: size } of families.get(METRIC.fsSize) ?? []) {
    const freeBytes = free.get(key(labels));
    const mount = labels.mountpoint ?? '';
    const device = labels.device ?? mount;
    if (
      !REAL_FS.test(labels.fstype ?? '') ||
      !(size > 0) ||
      !Number.isFinite(size) ||
      freeBytes === undefined ||
      !Number.isFinite(freeBytes)
    )
      continue;
    const seen = byDevice.get(device);
    if (seen && (seen.mount.length < mount.length || (seen.mount.length === mount.length && seen.mount <= mount))) continue;
    byDevice.set(device, { mount, usedBytes: Math.max(0, size - freeBytes), totalBytes: size });
  }
  return [...byDevice.values()].sort((a, b) => (a.mount < b.mount ? -1 : a.mount > b.mount ? 1 : 0));
}

function byteCounters(families: Families, counted: (device: string) => boolean): NodeReading['net'] {
  const rx = required(families, METRIC.rx);
  const tx = new Map(required(families, METRIC.tx).map((s) => [s.labels.device ?? '', s.value]));
  const net = new Map<string, { rx: number; tx: number }>();
  for (const { labels, value } of rx) {
    const device = labels.device ?? '';
    const sent = tx.get(device);
    if (!counted(device) || sent === undefined) continue;
    net.set(device, { rx: checked(METRIC.rx, value), tx: checked(METRIC.tx, sent) });
  }
  return net;
}

/** hwmon drivers of CPU packages and SoCs (the `name` file node_hwmon_chip_names reports). */
const CPU_CHIP = /^(coretemp|k10temp|k8temp|zenpower|cpu_thermal|cpu-thermal|soc_thermal|cpu\d*_thermal)$/;

/**
 * The CPU's temperature, in the order systeminformation picks it for the local reader: the package
 * sensor (coretemp's "Package id N", "Physical id N" on old kernels), AMD's die sensor (Tdie, else
 * Tctl, else the hottest CCD), else the hottest sensor of a CPU chip, else a CPU thermal zone (a
 * Raspberry Pi's cpu-thermal, x86_pkg_temp). With several packages the hottest one. Null without
 * any: a disk's, GPU's or Wi-Fi card's sensor is not the CPU's, and a wrong number is worse than none.
 */
function cpuTemperature(families: Families): number | null {
  const temps = (families.get(METRIC.hwmonTemp) ?? []).filter((s) => Number.isFinite(s.value) && s.value > 0);
  const id = (l: Record<string, string>) => `${l.chip}\0${l.sensor}`;
  const label = new Map((families.get(METRIC.hwmonLabel) ?? []).map((s) => [id(s.labels), (s.labels.label ?? '').trim().toLowerCase()]));
  const chipName = new Map((families.get(METRIC.hwmonChip) ?? []).map((s) => [s.labels.chip ?? '', s.labels.chip_name ?? '']));
  const labelled = (test: RegExp) => temps.filter((s) => test.test(label.get(id(s.labels)) ?? ''));
  const zones = (families.get(METRIC.thermalZone) ?? []).filter(
    (s) => Number.isFinite(s.value) && s.value > 0 && /cpu|x86_pkg_temp/i.test(s.labels.type ?? ''),
  );
  const choices = [
    labelled(/^(package|physical) id \d+$/),
    labelled(/^tdie$/),
    labelled(/^tctl$/),
    labelled(/^tccd\d+$/),
    temps.filter((s) => CPU_CHIP.test(chipName.get(s.labels.chip ?? '') ?? '')),
    zones,
  ];
  const found = choices.find((c) => c.length > 0);
  return found ? Math.round(Math.max(...found.map((s) => s.value)) * 10) / 10 : null;
}
