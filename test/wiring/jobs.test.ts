import { describe, expect, it } from 'vitest';
import { intervalJob, Jobs, type Job } from '../../src/wiring/jobs.js';
import { startTestMarquee } from '../support/marquee-instance.js';

/** The job list (Uptime Kuma's server/jobs.js shape): declared once, started and stopped together. */
const recorder = (name: string, log: string[]): Job => ({
  name,
  start: () => void log.push(`start ${name}`),
  stop: async () => void log.push(`stop ${name}`),
});

describe('Jobs', () => {
  it('starts each job once, only those asked for, and stops them in reverse order', async () => {
    const log: string[] = [];
    const jobs = new Jobs([recorder('collect', log), recorder('discord', log), recorder('purge', log)]);
    jobs.start((j) => j.name !== 'collect');
    jobs.start((j) => j.name !== 'collect');
    jobs.start();
    await jobs.stop();
    expect(log).toEqual(['start discord', 'start purge', 'start collect', 'stop collect', 'stop purge', 'stop discord']);
  });

  it('an interval job skips a tick while its run is still going, and stop waits for that run', async () => {
    let runs = 0;
    let release!: () => void;
    const job = intervalJob(
      'slow',
      5,
      () => {
        runs++;
        return new Promise<void>((r) => (release = r));
      },
      { runAtStart: true },
    );
    job.start();
    await new Promise((r) => setTimeout(r, 40));
    expect(runs).toBe(1);
    let stopped = false;
    const stopping = job.stop().then(() => (stopped = true));
    await new Promise((r) => setTimeout(r, 10));
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(runs).toBe(1);
  });
});

describe("a Marquee's declared jobs", () => {
  it('lists the collection schedule and the Discord poster, and runs none after stop', async () => {
    const m = await startTestMarquee({
      collect: false,
      yaml: 'server:\n  publicUrl: https://status.example.org\ndiscord:\n  webhookUrl: http://127.0.0.1:9/api/webhooks/1/t\n  intervalS: 3600\n',
    });
    expect(m.jobs.list.map((j) => j.name)).toEqual(['collect', 'discord']);
    await m.stop();
  });
});
