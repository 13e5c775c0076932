// The database reader thread (see read-all.ts, which owns it). It runs one source read at a time,
// in order, and posts back the SourceResult; every decision (what to read, the time limit, when to
// give up on this thread) stays with the owner.
import { parentPort } from 'node:worker_threads';
import { readPlex, type PlexSourceOptions } from './plex/plex-source.js';
import { pack } from './read-wire.js';
import { toSourceError, type SourceResult } from './result.js';
import { readTautulli, type TautulliSourceOptions } from './tautulli/tautulli-source.js';

export type ReadRequest =
  { id: number; source: 'plex'; options: PlexSourceOptions } | { id: number; source: 'tautulli'; options: TautulliSourceOptions };

export type WorkerMessage = { ready: true } | { id: number; result: SourceResult<unknown> };

const port = parentPort;
if (!port) throw new Error('read-worker.ts runs as a worker thread (see read-all.ts)');

port.on('message', async (req: ReadRequest) => {
  const started = performance.now();
  let result: SourceResult<unknown>;
  try {
    result = await (req.source === 'plex' ? readPlex(req.options) : readTautulli(req.options));
  } catch (err) {
    // The sources never throw at the caller; should one ever, its read still gets an answer.
    result = { ok: false, error: toSourceError(err), durationMs: performance.now() - started };
  }
  try {
    const { message, transfer } = pack(result);
    port.postMessage({ id: req.id, result: message } satisfies WorkerMessage, transfer);
    // A read of every item's GUIDs (the network's identities, not an `unchanged` answer) leaves this
    // thread's heap hundreds of MB above its live size, and V8 keeps it until the next read; with
    // --expose-gc (npm start, the image) give it back now. This thread's own collection: the main
    // thread never waits for it, but this thread's next read does, so only after such a read.
    // (Once this handler has returned, so that its own reference to the result is gone too.)
    const gc = (globalThis as { gc?: () => void }).gc;
    const extras = result.ok ? (result as { extras?: object }).extras : undefined;
    if (gc && extras && 'types' in extras) setImmediate(gc);
  } catch (err) {
    // Data that cannot cross threads (a source returning a class instance) is a bug to see in the log.
    port.postMessage({
      id: req.id,
      result: { ok: false, error: toSourceError(err), durationMs: result.durationMs },
    } satisfies WorkerMessage);
  }
});
port.postMessage({ ready: true } satisfies WorkerMessage);
