/**
 * Periodic work, declared as a list and started and stopped in one place (Uptime Kuma's
 * server/jobs.js): main.ts names every job a process runs; nothing else keeps a timer of its own
 * for work that outlives a request.
 */
export interface Job {
  readonly name: string;
  start(): void;
  /** Stops the schedule and waits for a run in progress. */
  stop(): Promise<void>;
}

/** `run` every `intervalMs` (and once at start when `runAtStart`); a run still going when the next is due is skipped. */
export function intervalJob(name: string, intervalMs: number, run: () => unknown, options: { runAtStart?: boolean } = {}): Job {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | null = null;
  const tick = () => {
    if (running) return;
    running = Promise.resolve()
      .then(run)
      .catch(() => undefined)
      .finally(() => (running = null));
  };
  return {
    name,
    start() {
      if (timer) return;
      if (options.runAtStart) tick();
      timer = setInterval(tick, intervalMs).unref();
    },
    async stop() {
      clearInterval(timer);
      timer = undefined;
      await running;
    },
  };
}

/** The declared jobs of one process. Starting twice starts nothing twice; stop runs in reverse order. */
export class Jobs {
  private readonly started: Job[] = [];

  constructor(readonly list: readonly Job[]) {}

  start(which: (job: Job) => boolean = () => true): void {
    for (const job of this.list) {
      if (this.started.includes(job) || !which(job)) continue;
      job.start();
      this.started.push(job);
    }
  }

  async stop(): Promise<void> {
    for (const job of this.started.splice(0).reverse()) await job.stop();
  }
}
