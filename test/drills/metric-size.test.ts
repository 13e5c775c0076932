import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestMarquee, type TestMarquee } from '../support/marquee-instance.js';
import { httpClient } from './support/http.js';

/**
 * Drill: a custom metric that returns a huge value (issue 16 #9). `printf('%.*c', 150000000, 'x')`
 * once put 150 MB in every .json, took the server to 1 GB RSS and grew marquee.db by 150 MB a
 * cycle. Over several real collection cycles the value must never reach the store, the .json or
 * the server's memory, and the query process must stay near its memory cap.
 *
 * Every figure here is read from outside the code under test: file sizes from stat, the server's
 * and the query process's resident set from /proc, the body length in bytes.
 */

const HUGE = 150_000_000;
const CYCLES = 3;
const MiB = 1024 * 1024;
const QUERY_PROCESS_CAP = 256 * MiB;

const yaml = `metrics:
  huge:
    source: tautulli
    sql: "SELECT printf('%.*c', ${HUGE}, 'x')"
    returns: scalar
    type: text
    identifying: false
    timeoutMs: 10000
  users:
    source: tautulli
    sql: "SELECT COUNT(*) FROM users"
    returns: scalar
    type: integer
`;

/** Resident set of a process, from /proc (bytes). */
const rssOf = (pid: number | string): number =>
  Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;

/** The query processes this test process started (children running worker.mjs). */
function queryProcesses(): string[] {
  return readdirSync('/proc').filter((p) => {
    if (!/^\d+$/.test(p)) return false;
    try {
      return (
        new RegExp(`^PPid:\\s+${process.pid}$`, 'm').test(readFileSync(`/proc/${p}/status`, 'utf8')) &&
        readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('metrics/worker.mjs')
      );
    } catch {
      return false; // exited between the listing and the read
    }
  });
}

/** Highest RSS of the server (this process) and of any query process while `work` runs. */
async function peaks<T>(work: () => Promise<T>): Promise<{ result: T; server: number; query: number }> {
  let server = rssOf(process.pid);
  let query = 0;
  const timer = setInterval(() => {
    server = Math.max(server, rssOf(process.pid));
    for (const pid of queryProcesses()) {
      try {
        query = Math.max(query, rssOf(pid));
      } catch {
        // killed between the listing and the read
      }
    }
  }, 5);
  try {
    return { result: await work(), server, query };
  } finally {
    clearInterval(timer);
  }
}

const storeBytes = (dir: string) =>
  ['marquee.db', 'marquee.db-wal'].map((f) => path.join(dir, f)).reduce((n, f) => n + (existsSync(f) ? statSync(f).size : 0), 0);

let m: TestMarquee;
let client: ReturnType<typeof httpClient>;
beforeAll(async () => {
  m = await startTestMarquee({ yaml });
  client = httpClient(m.url, 2);
});
afterAll(async () => {
  client?.close();
  await m?.stop();
});

describe('drill: a metric returning 150 MB', () => {
  it.runIf(process.platform === 'linux')(
    'errors with a clear message, and no cycle stores, serves or holds the value',
    async () => {
      global.gc?.();
      const serverBefore = rssOf(process.pid);
      const storeBefore = storeBytes(m.dataDir);
      const {
        result: snapshots,
        server,
        query,
      } = await peaks(async () => {
        const out = [];
        for (let i = 0; i < CYCLES; i++) out.push(await m.collector.collect());
        return out;
      });
      const storeGrowth = storeBytes(m.dataDir) - storeBefore;
      for (const s of snapshots) {
        expect(s.metrics.huge).toEqual({
          status: 'error',
          error: 'was stopped: the query process went over its memory limit of 256 MB (a value or an intermediate result too large)',
          value: null,
        });
        expect(s.metrics.users?.status).toBe('ok');
      }
      const json = await client.get('/i/signature.json');
      const health = await client.get('/health');
      console.info(
        `metric-size drill: ${CYCLES} cycles; server RSS ${Math.round(serverBefore / MiB)} -> peak ${Math.round(server / MiB)} MB; ` +
          `query process peak ${Math.round(query / MiB)} MB; store +${storeGrowth} B; .json ${json.body.length} B`,
      );
      expect(json.status).toBe(200);
      expect(json.body.length).toBeLessThan(256 * 1024);
      expect(health.body.toString()).toContain('went over its memory limit of 256 MB');
      // One 150 MB value in the store would be 150,000,000 bytes; three cycles of snapshots are a few kB.
      expect(storeGrowth).toBeLessThan(MiB);
      // The value never crosses into the server: a copy of it alone would be 143 MiB.
      expect(server - serverBefore).toBeLessThan(64 * MiB);
      // The watchdog looks every 20 ms; SQLite grows the string by about 25 MB in that time.
      expect(query).toBeLessThan(QUERY_PROCESS_CAP + 48 * MiB);
    },
    120_000,
  );
});
