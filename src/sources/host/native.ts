import { readdir, readFile } from 'node:fs/promises';
import { cpus, type CpuInfo } from 'node:os';

/*
 * Two readings taken without a child process. On Linux systeminformation's currentLoad() runs
 * `cat /proc/stat | grep cpu` through execSync (only for steal and guest ticks), which blocks the
 * event loop, image serving included, for the life of three processes; processLoad() runs `ps`
 * and then a second shell. A media server's collector runs every 30 s for months: these two were
 * the whole per-cycle cost of the host source (`npm run bench`, phase 3, profile in the notes).
 */

type Ticks = { busy: number; all: number };

/** CPU time summed over all cores (os.cpus() reports milliseconds) below which a window is noise. */
const MIN_WINDOW_MS = 500;

function ticks(list: CpuInfo[]): Ticks {
  let busy = 0;
  let all = 0;
  for (const { times: t } of list) {
    busy += t.user + t.nice + t.sys + t.irq;
    all += t.user + t.nice + t.sys + t.irq + t.idle;
  }
  return { busy, all };
}

/**
 * CPU load in percent over the time since the previous call (the first call: since this meter was
 * made, or since boot when that is under half a second of CPU time), from the kernel's tick counters that
 * os.cpus() reads. Steal time is not among them; on a VM that loses CPU to its neighbours the
 * figure reads as idle what was stolen, which for "how busy is my server" is the right answer.
 */
export function cpuLoadMeter(read: () => CpuInfo[] = cpus): () => number {
  let last = ticks(read());
  return () => {
    const now = ticks(read());
    let busy = now.busy - last.busy;
    let all = now.all - last.all;
    // Too short a window (the first cycle, right after start) says nothing: use the boot average.
    if (all < MIN_WINDOW_MS) ({ busy, all } = now);
    last = now;
    return all > 0 ? (100 * busy) / all : 0;
  };
}

/** The kernel keeps at most 15 bytes of a process name in /proc/<pid>/comm. */
const COMM_MAX = 15;

/**
 * Whether a process of this name runs, from /proc/<pid>/comm; null when there is no readable
 * /proc (not Linux), so the caller can ask systeminformation instead.
 */
export async function processRunning(name: string, procDir = '/proc'): Promise<boolean | null> {
  let pids: string[];
  try {
    pids = (await readdir(procDir)).filter((d) => /^\d+$/.test(d));
  } catch {
    return null;
  }
  const want = name.slice(0, COMM_MAX);
  // Batches keep the open files well under any descriptor limit on a box with thousands of processes.
  for (let i = 0; i < pids.length; i += 64) {
    const names = await Promise.all(pids.slice(i, i + 64).map((pid) => readFile(`${procDir}/${pid}/comm`, 'utf8').catch(() => '')));
    if (names.some((n) => n.replace(/\n$/, '') === want)) return true;
  }
  return false;
}
