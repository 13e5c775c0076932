import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { workerFile } from '../../src/metrics/sandbox.js';
import { fixtureDbs } from '../support/fixtures.js';

/**
 * The two facts the query sandbox is built on, each checked in a throwaway Node process so a stuck
 * thread or an orphan can never outlive the test.
 */
const run = promisify(execFile);
const sqlite = createRequire(import.meta.url).resolve('better-sqlite3');
const FOREVER = 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT COUNT(*) FROM c';

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('the query sandbox', () => {
  it('is a process because Worker.terminate() cannot stop a runaway SQLite step', async () => {
    // If this ever prints "terminated", better-sqlite3 or Node learned to interrupt and a worker thread would do.
    const script = `
      const { Worker } = require('node:worker_threads');
      const w = new Worker(\`
        const Database = require(${JSON.stringify(sqlite)});
        const { parentPort } = require('node:worker_threads');
        parentPort.postMessage('running');
        new Database(':memory:').prepare(${JSON.stringify(FOREVER)}).get();
      \`, { eval: true });
      w.once('message', () => setTimeout(() => {
        const timer = setTimeout(() => { console.log('stuck'); process.kill(process.pid, 'SIGKILL'); }, 1500);
        w.terminate().then(() => { clearTimeout(timer); console.log('terminated'); process.kill(process.pid, 'SIGKILL'); });
      }, 200));`;
    const out = await run(process.execPath, ['-e', script], { timeout: 15_000 }).catch((e: { stdout: string }) => e);
    expect(out.stdout.trim()).toBe('stuck');
  });

  it('kills itself when Marquee dies mid-query, so no runaway query outlives it', async () => {
    // A parent that starts the query process, sets it running forever, then dies without cleanup.
    const script = `
      const { fork } = require('node:child_process');
      const child = fork(${JSON.stringify(workerFile())}, [], { execArgv: [], serialization: 'advanced', stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
      child.on('message', (m) => {
        if (!m.ready) return;
        child.send({ id: 1, path: ${JSON.stringify(fixtureDbs('tiny').tautulliDb)}, sql: ${JSON.stringify(FOREVER)}, params: {}, maxRows: 1, maxValueBytes: 4096, maxResultBytes: 65536, busyTimeoutMs: 100 });
        setTimeout(() => { console.log(child.pid); process.kill(process.pid, 'SIGKILL'); }, 300);
      });`;
    const out = await run(process.execPath, ['-e', script], { timeout: 15_000 }).catch((e: { stdout: string }) => e);
    const pid = Number(out.stdout.trim());
    expect(pid).toBeGreaterThan(0);
    const deadline = Date.now() + 5000;
    while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const survived = alive(pid);
    if (survived) process.kill(pid, 'SIGKILL'); // leave nothing behind even when failing
    expect(survived).toBe(false);
  });
});
