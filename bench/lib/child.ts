import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Every measured thing runs in its own child process: servers so the load generator never shares
 * their event loop, collection and rendering so their peak RSS is theirs alone. Parent and child
 * talk over the IPC channel with a tiny request/response protocol.
 */

export const BENCH_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** Where build.ts puts the compiled children (valid in the parent, which runs from bench/). */
export const DIST_CHILDREN = path.join(BENCH_DIR, '.cache', 'dist', 'bench', 'children');

interface Reply {
  id: number;
  ok: boolean;
  result?: unknown;
  error?: string;
}

export interface Child<Ready = unknown> {
  pid: number;
  ready: Ready;
  call<T = unknown>(type: string, payload?: unknown): Promise<T>;
  /** Asks the child to stop, then kills it (by its own pid) if it has not exited in time. */
  stop(): Promise<void>;
}

/** True when `taskset` can pin processes and there are at least two CPUs to pin them to. */
export function canPin(cpus: number): boolean {
  return cpus >= 2 && spawnSync('taskset', ['-V'], { stdio: 'ignore' }).status === 0;
}

/**
 * The variables `npm start` sets before `node` (package.json, e.g. glibc's malloc tuning), so every
 * measured process runs as Marquee is deployed. Read from the script itself, so the two cannot drift.
 */
export function startScriptEnv(): Record<string, string> {
  const pkg = JSON.parse(readFileSync(path.join(path.dirname(BENCH_DIR), 'package.json'), 'utf8')) as { scripts: { start: string } };
  const env: Record<string, string> = {};
  // Leading NAME=value or NAME='value with spaces' words, as the shell reads them.
  const assignment = /^([A-Z_][A-Z0-9_]*)=(?:'([^']*)'|(\S*))(?:\s+|$)/;
  let rest = pkg.scripts.start.trim();
  for (let m = assignment.exec(rest); m; m = assignment.exec(rest)) {
    env[m[1]!] = m[2] ?? m[3]!;
    rest = rest.slice(m[0].length);
  }
  return env;
}

export async function startChild<Ready = unknown>(
  name: string,
  options: unknown,
  opts: { cpu?: number; nodeArgs?: string[]; asDeployed?: boolean } = {},
): Promise<Child<Ready>> {
  const script = path.join(DIST_CHILDREN, `${name}.js`);
  const node = [...(opts.nodeArgs ?? []), script, JSON.stringify(options)];
  const [cmd, args] = opts.cpu === undefined ? [process.execPath, node] : ['taskset', ['-c', String(opts.cpu), process.execPath, ...node]];
  // stdout is ignored: a server's access log must not cost the parent anything. stderr shows crashes.
  const proc = spawn(cmd, args, {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    cwd: path.dirname(BENCH_DIR),
    env: { ...process.env, ...(opts.asDeployed === false ? {} : startScriptEnv()) },
  });
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  let nextId = 1;
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  proc.on('exit', (code, signal) => {
    for (const p of pending.values()) p.reject(new Error(`bench child ${name} exited (${code ?? signal}) with a request pending`));
    pending.clear();
  });
  proc.on('message', (m: Reply) => {
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    if (m.ok) p.resolve(m.result);
    else p.reject(new Error(`bench child ${name}: ${m.error}`));
  });
  const call = <T>(type: string, payload?: unknown): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      proc.send({ id, type, payload });
    });
  // The child's first reply (id 0) is its ready message.
  const ready = await new Promise<Ready>((resolve, reject) => {
    pending.set(0, { resolve: resolve as (v: unknown) => void, reject });
  });
  return {
    pid: proc.pid!,
    ready,
    call,
    stop: async () => {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      // Armed first: a child that neither answers nor exits is killed (by its own pid) after 10 s.
      const timer = setTimeout(() => killOwn(proc), 10_000);
      void call('stop').catch(() => undefined);
      await exited;
      clearTimeout(timer);
    },
  };
}

function killOwn(proc: ChildProcess): void {
  if (proc.exitCode === null) proc.kill('SIGKILL');
}

type Handler = (payload: unknown) => unknown;

/**
 * Child side: sends `ready` as reply 0, then answers requests. 'stop' runs `onStop` and exits, so
 * a child never outlives its parent's intent; a lost parent (IPC closed) also ends it.
 */
export function serveParent(ready: unknown, handlers: Record<string, Handler>, onStop: () => Promise<void> = async () => undefined): void {
  const send = (m: Reply) => process.send?.(m);
  process.on('message', async (m: { id: number; type: string; payload: unknown }) => {
    if (m.type === 'stop') {
      await onStop().catch(() => undefined);
      send({ id: m.id, ok: true });
      process.disconnect?.();
      process.exit(0);
    }
    const handler = handlers[m.type];
    try {
      if (!handler) throw new Error(`unknown request ${m.type}`);
      send({ id: m.id, ok: true, result: await handler(m.payload) });
    } catch (err) {
      send({ id: m.id, ok: false, error: (err as Error).stack ?? String(err) });
    }
  });
  process.on('disconnect', () => process.exit(0));
  send({ id: 0, ok: true, result: ready });
}

/** Reports a start-up failure through the channel the parent is waiting on, then exits. */
export function failStart(err: unknown): never {
  process.send?.({ id: 0, ok: false, error: (err as Error).stack ?? String(err) });
  process.exitCode = 1;
  setTimeout(() => process.exit(1), 100);
  throw err;
}

export function childOptions<T>(): T {
  return JSON.parse(process.argv[2] ?? '{}') as T;
}

/** Resident set size of another process, read from /proc so the measured process does no work for it. */
export function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : Number.NaN;
}

/** RSS split as the kernel counts it: anonymous (heaps, buffers) and file-backed (code, mapped fonts). */
export function rssSplitOf(pid: number): { anon: number; file: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(status)?.[1] ?? Number.NaN) * 1024;
  return { anon: kb('RssAnon'), file: kb('RssFile') + kb('RssShmem') };
}

/** User + system CPU time of a process in ms (clock ticks are 10 ms on Linux: USER_HZ = 100). */
export function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may itself contain spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** This process's peak RSS (VmHWM): the high-water mark, so no sampling can miss a spike. */
export function ownPeakRss(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) * 1024 : process.resourceUsage().maxRSS * 1024;
}
