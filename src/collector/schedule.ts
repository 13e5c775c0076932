import cron, { type ScheduledTask } from 'node-cron';

/**
 * Runs `tick` on the cron `schedule`, never two at once: a tick that comes while the previous one
 * still runs calls `skipped` instead, and is not queued, so a slow source cannot pile cycles up.
 * The one schedule of a server's collector and of the network's.
 */
export function scheduleCycles(schedule: string, cycle: { running(): boolean; tick(): void; skipped(): void }): ScheduledTask {
  return cron.schedule(
    schedule,
    () => {
      if (cycle.running()) cycle.skipped();
      else cycle.tick();
    },
    { noOverlap: false },
  );
}
