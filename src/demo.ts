import { fork } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** What the parent asks of the generator's process (fixtures/generator/child.ts). */
export interface DemoRequest {
  dir: string;
  /** Epoch seconds the data is relative to. */
  now: number;
  /**
   * Which server of the demo network (issue 20): 0 "Home", 1 "4K" (the generator's network.ts: its
   * own library, history and streams, the same people, part of Home's films under the same GUIDs).
   */
  server?: number;
}

export type DemoMessage =
  | { type: 'progress'; fraction: number; step: string }
  | { type: 'done'; plexDb: string; tautulliDb: string }
  | { type: 'error'; message: string };

/** Demo data is generated relative to "now"; past this age its windows (24 h, 7 d) would drift empty. */
const MAX_DEMO_AGE_MS = 12 * 3_600_000;

/**
 * Builds the bundled demo databases on first start (and refreshes stale ones), so `npm start`
 * serves real images without a Plex server. Returns true when it (re)generated them.
 *
 * The build runs in a child process: it takes several seconds and peaks at a few hundred MB, which
 * the server would otherwise keep as RSS until restart. `onProgress` hears how far it got.
 */
export async function ensureDemoDatabases(
  plexDb: string,
  tautulliDb: string,
  now: number,
  onProgress: (fraction: number, step: string) => void = () => {},
  server = 0,
): Promise<boolean> {
  const fresh = (f: string) => existsSync(f) && now - statSync(f).mtimeMs < MAX_DEMO_AGE_MS;
  if (fresh(plexDb) && fresh(tautulliDb)) return false;
  const request: DemoRequest = {
    dir: path.dirname(plexDb),
    now: Math.floor(now / 3_600_000) * 3600,
    ...(server > 0 ? { server } : {}),
  };
  const built = await runChild(request, onProgress);
  if (path.resolve(built.plexDb) !== path.resolve(plexDb) || path.resolve(built.tautulliDb) !== path.resolve(tautulliDb)) {
    throw new Error('demo generator wrote unexpected file names');
  }
  return true;
}

function runChild(
  request: DemoRequest,
  onProgress: (fraction: number, step: string) => void,
): Promise<{ plexDb: string; tautulliDb: string }> {
  // From TypeScript sources (tsx, tests) the child needs tsx's loader; from dist/ it runs the .js
  // the build put at the same place relative to this file (dist/src/demo.js -> dist/fixtures/...).
  const fromSource = import.meta.url.endsWith('.ts');
  const entry = fileURLToPath(new URL(`../fixtures/generator/child.${fromSource ? 'ts' : 'js'}`, import.meta.url));
  const child = fork(entry, [], {
    execArgv: fromSource ? ['--import', 'tsx'] : [],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    let result: { plexDb: string; tautulliDb: string } | null = null;
    let failure: Error | null = null;
    child.on('message', (message: DemoMessage) => {
      if (message.type === 'progress') onProgress(message.fraction, message.step);
      else if (message.type === 'done') result = { plexDb: message.plexDb, tautulliDb: message.tautulliDb };
      else failure = new Error(`demo generator: ${message.message}`);
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (result) resolve(result);
      else reject(failure ?? new Error(`demo generator exited with ${signal ?? `code ${String(code)}`}`));
    });
    child.send(request);
  });
}
