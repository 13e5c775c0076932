import { mkdtempSync, readdirSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFixtureDbs } from '../support/fixtures.js';
import { configFile, startServe, type ServeProcess } from './support/cli.js';
import { waitFor } from './support/http.js';

/**
 * Drill: connections that never send a byte (issue 16, Medium 6). Against the real `marquee serve`
 * with its default configuration, whose bounds the README's Security section states: a connection
 * idle for 10 s is closed, and at most 1,024 are open at once. Before the fix, 1,000 such sockets
 * stayed open for as long as their client liked.
 */

const IDLE_TIMEOUT_MS = 10_000;
const MAX_CONNECTIONS = 1024;
/** Timers, a loaded machine and the close reaching the client. */
const SLACK_MS = 3_000;

let server: ServeProcess;
beforeAll(async () => {
  const dbs = copyFixtureDbs('tiny');
  server = await startServe({
    MARQUEE_CONFIG: configFile(),
    MARQUEE_PLEX_DB: dbs.plexDb,
    MARQUEE_TAUTULLI_DB: dbs.tautulliDb,
    MARQUEE_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'marquee-drill-idle-')),
    MARQUEE_SCHEDULE: '0 0 1 1 *',
    MARQUEE_LOG_LEVEL: 'warn',
  });
}, 90_000);
afterAll(async () => {
  if (server && server.child.exitCode === null) {
    server.child.kill('SIGTERM');
    await server.exited;
  }
});

const openFds = () => readdirSync(`/proc/${server.child.pid}/fd`).length;

interface Silent {
  socket: Socket;
  openedAt: number;
  /** Milliseconds from connect to the server closing it; undefined while open. */
  closedAfter?: number;
}

/** `n` sockets that connect and then never send anything. */
async function openSilent(n: number): Promise<Silent[]> {
  const { port } = new URL(server.url);
  return Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<Silent>((resolve) => {
          const s: Silent = { socket: connect({ host: '127.0.0.1', port: Number(port) }), openedAt: 0 };
          s.socket.on('connect', () => {
            s.openedAt = performance.now();
            resolve(s);
          });
          s.socket.on('close', () => {
            s.closedAfter = performance.now() - s.openedAt;
            if (!s.openedAt) resolve(s);
          });
          s.socket.on('error', () => undefined);
          // Flowing, so the server's FIN is read and the close is seen.
          s.socket.resume();
        }),
    ),
  );
}

describe('drill: idle connections', () => {
  it(`closes 1,000 sockets that never send a byte within the idle timeout (${IDLE_TIMEOUT_MS / 1000} s)`, async () => {
    const before = openFds();
    const sockets = await openSilent(1000);
    await waitFor('the server to accept them', () => (openFds() >= before + 900 ? true : undefined), 10_000);
    const held = openFds();
    // While they are held the server still answers.
    const health = await fetch(`${server.url}/health`);
    expect([200, 503]).toContain(health.status);

    await waitFor(
      'every silent socket to be closed',
      () => (sockets.every((s) => s.closedAfter !== undefined) ? true : undefined),
      IDLE_TIMEOUT_MS + SLACK_MS,
      100,
    ).catch(() => undefined);
    const open = sockets.filter((s) => s.closedAfter === undefined).length;
    const slowest = Math.max(...sockets.map((s) => s.closedAfter ?? Infinity));
    const after = openFds();
    for (const s of sockets) s.socket.destroy();
    console.info(
      `[drill idle-connections] server fds ${before} -> ${held} with 1,000 silent sockets -> ${after}; still open after ${IDLE_TIMEOUT_MS + SLACK_MS} ms: ${open}; slowest close ${Math.round(slowest)} ms`,
    );
    expect(open).toBe(0);
    expect(slowest).toBeLessThanOrEqual(IDLE_TIMEOUT_MS + SLACK_MS);
    expect(after).toBeLessThan(before + 20);
  }, 60_000);

  it(`holds at most ${MAX_CONNECTIONS} connections, closing the rest as they arrive`, async () => {
    const before = openFds();
    const sockets = await openSilent(MAX_CONNECTIONS + 200);
    // The server closes each one past the cap as it accepts it; on a busy machine the last of those
    // closes reach this side a few seconds late (one CI run saw 146 of 200 after a fixed second).
    const closed = () => sockets.filter((s) => s.closedAfter !== undefined).length;
    await waitFor('the sockets past the cap to be closed', () => (closed() >= 200 ? true : undefined), 10_000, 100).catch(() => undefined);
    const held = openFds();
    const refused = closed();
    for (const s of sockets) s.socket.destroy();
    console.info(
      `[drill idle-connections] ${MAX_CONNECTIONS + 200} silent sockets: ${refused} closed by the server, server fds ${before} -> ${held}`,
    );
    expect(refused).toBeGreaterThanOrEqual(200);
    expect(held - before).toBeLessThanOrEqual(MAX_CONNECTIONS);
  }, 60_000);
});
