import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ReadRequest, WorkerMessage } from './read-worker.js';
import { unpack } from './read-wire.js';
import { sourceError, type SourceResult } from './result.js';

export interface ReaderThreadOptions {
  /** Time limit for one read, from the moment the thread has it. */
  timeoutMs: number;
  /** Time limit for the thread to load its modules (tsx compiles them under tests). */
  spawnTimeoutMs?: number;
  /** A thread was given up on (a read past its limit, a crash); for the log. */
  onRecycle?(why: string): void;
}

type Request = Omit<ReadRequest, 'id'>;

interface Live {
  worker: Worker;
  /** The thread's TMPDIR: the read-only copy fallback writes its copies here. */
  scratch: string;
  ready: Promise<Live>;
  exited: Promise<void>;
  pending: Map<number, (result: SourceResult<unknown>) => void>;
}

/**
 * Runs the Plex and Tautulli database reads on one long-lived worker thread, so SQLite's busy wait
 * on a locked database (up to the busy timeout, 5 s) and the reads themselves never hold the thread
 * that serves HTTP. Created on the first read; a read past its time limit resolves as `timeout` and
 * the thread is replaced, so the next cycle does not queue behind it.
 *
 * terminate() cannot interrupt SQLite or a file copy in progress (native code): the old thread
 * ends when that call returns, at the latest after the busy timeout. Its temp folder is removed
 * when it exits, which is why each thread gets its own: a thread stopped mid-read never runs the
 * read-only copy's own cleanup.
 */
export class ReaderThread {
  private current: Live | null = null;
  private readonly live = new Set<Live>();
  private nextId = 1;
  /** Threads started so far (1 + replacements); for tests and logs. */
  spawned = 0;

  constructor(private readonly o: ReaderThreadOptions) {}

  async read<T>(request: Request): Promise<SourceResult<T>> {
    const started = performance.now();
    const failed = (code: 'timeout' | 'unavailable', detail: string): SourceResult<T> => ({
      ok: false,
      error: sourceError(code, detail),
      durationMs: performance.now() - started,
    });
    let live: Live;
    try {
      live = await this.start();
    } catch (err) {
      return failed('unavailable', `the database reader thread did not start: ${(err as Error).message}`);
    }
    const id = this.nextId++;
    return new Promise<SourceResult<T>>((resolve) => {
      const timer = setTimeout(() => {
        live.pending.delete(id);
        this.retire(live, `a ${request.source} read passed its ${this.o.timeoutMs} ms limit`);
        resolve(failed('timeout', `${request.source} read still running after ${this.o.timeoutMs} ms; reader thread replaced`));
      }, this.o.timeoutMs);
      live.pending.set(id, (result) => {
        clearTimeout(timer);
        live.pending.delete(id);
        resolve(result as SourceResult<T>);
      });
      try {
        live.worker.postMessage({ id, ...request } as ReadRequest);
      } catch (err) {
        // Options that cannot be cloned (a function, a class instance) are a bug in the caller.
        live.pending.get(id)?.(failed('unavailable', `read options cannot be sent to the reader thread: ${(err as Error).message}`));
      }
    });
  }

  /** Stops every thread (a busy one ends when its SQLite call returns) and removes their temp folders. */
  async close(waitMs = 6_000): Promise<void> {
    this.current = null;
    const all = [...this.live];
    for (const l of all) void l.worker.terminate();
    let timer: NodeJS.Timeout | undefined;
    const cut = new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs)));
    await Promise.race([Promise.all(all.map((l) => l.exited)), cut]);
    clearTimeout(timer);
    // A thread still inside a copy past the wait writes into an unlinked file; the space returns when it ends.
    for (const l of all) rmSync(l.scratch, { recursive: true, force: true });
  }

  private start(): Promise<Live> {
    this.current ??= this.spawn();
    return this.current.ready;
  }

  private spawn(): Live {
    if (this.spawned++ === 0) removeOrphanedScratch(tmpdir());
    const scratch = mkdtempSync(path.join(tmpdir(), `${SCRATCH_PREFIX}${OWNER}-`));
    const entry = workerEntry();
    // The thread's whole environment is its temp dir: it reads files and needs nothing else.
    const worker = new Worker(entry.file, { ...(entry.workerData ? { workerData: entry.workerData } : {}), env: { TMPDIR: scratch } });
    // An idle reader must not keep Marquee alive; a pending read's timer does. A process that ends
    // without close() (a test, an uncaught error) still removes the thread's temp folder.
    worker.unref();
    const removeScratch = () => rmSync(scratch, { recursive: true, force: true });
    process.once('exit', removeScratch);
    const pending = new Map<number, (result: SourceResult<unknown>) => void>();
    let failure: Error | undefined;
    let markReady!: (l: Live) => void;
    let failStart!: (e: Error) => void;
    const ready = new Promise<Live>((resolve, reject) => ((markReady = resolve), (failStart = reject)));
    const spawnTimer = setTimeout(() => {
      failStart(new Error(`not ready within ${this.o.spawnTimeoutMs ?? 10_000} ms`));
      this.retire(live, 'the reader thread did not start in time');
    }, this.o.spawnTimeoutMs ?? 10_000);
    const exited = new Promise<void>((resolve) =>
      worker.once('exit', (code) => {
        clearTimeout(spawnTimer);
        if (this.current === live) this.current = null;
        this.live.delete(live);
        process.off('exit', removeScratch);
        removeScratch();
        const why = failure?.message ?? `exit code ${code}`;
        failStart(new Error(`exited before it was ready (${why})`));
        for (const settle of [...pending.values()])
          settle({ ok: false, error: sourceError('unavailable', `the database reader thread stopped: ${why}`), durationMs: 0 });
        resolve();
      }),
    );
    const live: Live = { worker, scratch, ready, exited, pending };
    this.live.add(live);
    worker.on('message', (msg: WorkerMessage) => {
      if ('ready' in msg) {
        clearTimeout(spawnTimer);
        markReady(live);
      } else pending.get(msg.id)?.(unpack(msg.result));
    });
    worker.on('error', (err) => {
      failure = err;
      this.o.onRecycle?.(`the reader thread failed: ${err.message}`);
    });
    return live;
  }

  private retire(live: Live, why: string): void {
    if (this.current === live) this.current = null;
    this.o.onRecycle?.(why);
    void live.worker.terminate();
  }
}

const SCRATCH_PREFIX = 'marquee-sources-';
/** This process, as pid and start time: in a container Marquee gets the same pid after every restart. */
const OWNER = `${process.pid}.${Math.round(performance.timeOrigin)}`;

/**
 * Removes the temp folders of reader threads whose Marquee died without closing them (SIGKILL, out
 * of memory): a copy of a multi-GB database would otherwise stay in /tmp for good.
 */
function removeOrphanedScratch(dir: string): void {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.startsWith(SCRATCH_PREFIX));
  } catch {
    return;
  }
  for (const name of names) {
    const owner = /^marquee-sources-(\d+)\.(\d+)-/.exec(name);
    if (!owner || owner[1] + '.' + owner[2] === OWNER) continue;
    const pid = Number(owner[1]);
    if (pid !== process.pid && isAlive(pid)) continue;
    try {
      rmSync(path.join(dir, name), { recursive: true, force: true });
    } catch {
      // Another user's leftover (EACCES): theirs to remove. Never a reason not to read.
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as { code?: string }).code === 'EPERM';
  }
}

/**
 * The built reader (dist/) is plain JS beside this module. From source (tsx, vitest) the thread
 * starts through a small .mjs that registers tsx first: on Node 20 a worker does not inherit the
 * parent's loader hooks.
 */
function workerEntry(): { file: URL; workerData?: { entry: string } } {
  if (import.meta.url.endsWith('.js')) return { file: new URL('./read-worker.js', import.meta.url) };
  return {
    file: new URL('./read-worker-tsx.mjs', import.meta.url),
    workerData: { entry: new URL('./read-worker.ts', import.meta.url).href },
  };
}
