import type { ScheduledTask } from 'node-cron';
import type { Logger } from 'pino';
import { madeUnder } from '../privacy/policy.js';
import type { Snapshot } from '../snapshot/schema.js';
import { cycle, type CycleDeps, type RawReading } from './cycle.js';
import { scheduleCycles } from './schedule.js';

/**
 * Owns the schedule and the latest snapshot in memory. Overlap-safe: a tick that arrives while a
 * cycle still runs is skipped (and logged), never queued, so a slow source cannot pile cycles up.
 */
export class Collector {
  private current: Snapshot | null;
  private lastRaw: RawReading | undefined;
  private running: Promise<Snapshot> | null = null;
  private task: ScheduledTask | null = null;

  constructor(
    private readonly deps: CycleDeps,
    initial: Snapshot | null = null,
  ) {
    // A snapshot stored under another privacy policy is never served, not even before the first
    // cycle, nor carried over (see runCycle).
    this.current = initial && madeUnder(initial, deps.privacy, deps.pseudonymSecret) ? initial : null;
    if (initial && !this.current) deps.logger.info('the stored snapshot was made under another privacy policy: not carried over');
  }

  get latest(): Snapshot | null {
    return this.current;
  }

  /** The last cycle's reading before privacy (deps.keepRaw; issue 20's network), in memory only. */
  get raw(): RawReading | undefined {
    return this.lastRaw;
  }

  /** True while a cycle runs. */
  get busy(): boolean {
    return this.running !== null;
  }

  /** Runs one cycle now, or joins the one already running. */
  collect(): Promise<Snapshot> {
    if (this.running) return this.running;
    this.running = cycle(this.deps, this.current, this.lastRaw)
      .then(({ snapshot, raw }) => {
        this.current = snapshot;
        this.lastRaw = raw;
        return snapshot;
      })
      .finally(() => {
        this.running = null;
      });
    return this.running;
  }

  start(schedule: string, logger: Logger): void {
    this.task = scheduleCycles(schedule, {
      running: () => this.running !== null,
      tick: () => void this.collect(),
      skipped: () => logger.warn('collection cycle skipped: the previous one is still running'),
    });
  }

  /** Stops the schedule and waits for an in-flight cycle to finish. */
  async stop(): Promise<void> {
    await this.task?.stop();
    this.task = null;
    await this.running?.catch(() => undefined);
  }
}
