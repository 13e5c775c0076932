import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Runs one query at a time in a child process that can always be stopped. The main thread only
 * waits on IPC, so image serving continues while a query runs; a query past its budget gets the
 * process SIGKILLed and the next query starts a fresh one.
 *
 * A worker thread cannot do this: SQLite (built without a progress callback) never returns to
 * JavaScript during a runaway step, so Worker.terminate() hangs and so does process exit.
 */
export interface QueryRequest {
  path: string;
  sql: string;
  params: Readonly<Record<string, unknown>>;
  /** Rows to keep; one more is read to tell "exactly N" from "more than N". */
  maxRows: number;
  /** A longer value (UTF-8 bytes of text, bytes of a blob) fails the query before it leaves the process. */
  maxValueBytes: number;
  /** Likewise for all values of the result together (a number counts 8 bytes). */
  maxResultBytes: number;
  busyTimeoutMs: number;
}

export interface RawResult {
  columns: string[];
  rows: unknown[][];
  /** More rows existed than maxRows (the query was stopped there). */
  truncated: boolean;
}

type Reply = ({ ok: true } & RawResult) | { ok: false; error: string };

interface Pending {
  child: ChildProcess;
  resolve(r: RawResult): void;
  reject(e: Error): void;
}

/** The query process: plain JavaScript beside this module, in src/ and (copied by the build) in dist/. */
export function workerFile(): string {
  return fileURLToPath(new URL('./worker.mjs', import.meta.url));
}

/**
 * What the query process may hold, all in: Node (~45 MB), better-sqlite3's page cache (16 MB per
 * open database, three at most) and sorting. A query past it is killed (see worker.mjs for why
 * this is checked from inside, and not left to SQLite).
 */
export const QUERY_PROCESS_MAX_RSS_BYTES = 256 * 1024 * 1024;

export interface SandboxOptions {
  /** How long starting the query process may take. */
  spawnTimeoutMs?: number;
  /** Memory cap of the query process (resident set, bytes). */
  maxRssBytes?: number;
}

export class QuerySandbox {
  private child: ChildProcess | null = null;
  private starting: Promise<ChildProcess> | null = null;
  private readonly pending = new Map<number, Pending>();
  /** Processes this side killed (budget, close): any other SIGKILL came from the memory watchdog. */
  private readonly killed = new WeakSet<ChildProcess>();
  private nextId = 1;
  private readonly spawnTimeoutMs: number;
  private readonly maxRssBytes: number;
  /** Processes started so far (1 + restarts after kills or crashes); for tests and logs. */
  spawned = 0;

  constructor(options: SandboxOptions = {}) {
    this.spawnTimeoutMs = options.spawnTimeoutMs ?? 10_000;
    this.maxRssBytes = options.maxRssBytes ?? QUERY_PROCESS_MAX_RSS_BYTES;
  }

  async query(req: QueryRequest, timeoutMs: number): Promise<RawResult> {
    const child = await this.start();
    const id = this.nextId++;
    return new Promise<RawResult>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        this.kill(child);
        reject(new Error(`exceeded its time budget of ${timeoutMs} ms and was stopped`));
      }, timeoutMs);
      const settle =
        <T>(fn: (v: T) => void) =>
        (v: T) => {
          clearTimeout(timer);
          this.pending.delete(id);
          fn(v);
        };
      this.pending.set(id, { child, resolve: settle(resolve), reject: settle(reject) });
      child.send({ id, ...req }, (err) => err && this.pending.get(id)?.reject(err));
    });
  }

  /** Ends the process (gracefully when idle); pending queries fail. */
  async close(): Promise<void> {
    const child = this.child ?? (await this.starting?.catch(() => null));
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    if (this.pending.size > 0 || !child.connected) this.kill(child);
    else child.disconnect();
    const timer = setTimeout(() => this.kill(child), 2000);
    await exited;
    clearTimeout(timer);
  }

  private start(): Promise<ChildProcess> {
    if (this.child) return Promise.resolve(this.child);
    this.starting ??= this.spawn().finally(() => (this.starting = null));
    return this.starting;
  }

  private spawn(): Promise<ChildProcess> {
    this.spawned++;
    // execArgv: [] drops the parent's loaders (tsx, vitest): the worker is plain JS.
    const child = fork(workerFile(), [String(this.maxRssBytes)], {
      execArgv: [],
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    // An idle query process must not keep Marquee alive; a pending query's timer does.
    child.unref();
    child.channel?.unref();
    // Marquee exiting (even on an uncaught error) takes a busy query process with it.
    const killOnExit = () => this.kill(child);
    process.once('exit', killOnExit);
    child.once('exit', () => process.off('exit', killOnExit));
    return new Promise<ChildProcess>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.kill(child);
        reject(new Error(`the query process did not start within ${this.spawnTimeoutMs} ms`));
      }, this.spawnTimeoutMs);
      child.on('message', (msg: { ready?: true; id?: number } & Reply) => {
        if (msg.ready) {
          clearTimeout(timer);
          this.child = child;
          resolve(child);
          return;
        }
        const p = msg.id === undefined ? undefined : this.pending.get(msg.id);
        if (!p) return;
        if (msg.ok) p.resolve({ columns: msg.columns, rows: msg.rows, truncated: msg.truncated });
        else p.reject(new Error(msg.error));
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        if (this.child === child) this.child = null;
        // The watchdog (or the kernel's OOM killer) is the only other sender of SIGKILL.
        const err = new Error(
          signal === 'SIGKILL' && !this.killed.has(child)
            ? `was stopped: the query process went over its memory limit of ${Math.round(this.maxRssBytes / 1024 / 1024)} MB (a value or an intermediate result too large)`
            : `the query process exited (${signal ?? `code ${code}`})`,
        );
        reject(err);
        // Only this process's queries: a replacement may already be running the next one.
        for (const p of [...this.pending.values()]) if (p.child === child) p.reject(err);
      });
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
  }

  private kill(child: ChildProcess): void {
    this.killed.add(child);
    if (this.child === child) this.child = null;
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}
